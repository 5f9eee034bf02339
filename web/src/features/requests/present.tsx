import { Flex, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { common } from '../../lib/words';
import { useAgencies, type CustodyRequest, type RequestStatus } from './api';
import { words } from './words';

// Colours carry no meaning on their own (each tag says its state in words); their text is a shade dark enough
// for WCAG AA on its background, which Ant Design's preset tag colours are not.
const tones = {
  gold: { color: '#874d00', background: '#fffbe6', borderColor: '#ffe58f' },
  blue: { color: '#003eb3', background: '#e6f4ff', borderColor: '#91caff' },
  red: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  green: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
};
const STATUS_TONES: Record<RequestStatus, React.CSSProperties | undefined> = {
  requested: tones.gold,
  approved: tones.blue,
  rejected: tones.red,
  refused: tones.red,
  carried_out: tones.green,
  cancelled: undefined,
};

export function StatusTag({ status }: { status: RequestStatus }) {
  const w = useWords(words);
  return (
    <Tag style={STATUS_TONES[status]} data-testid="request-status">
      {w[`status_${status}`]}
    </Tag>
  );
}

/** What the request asks for, by kind: the loan's borrower and due date, the transfer's receiver, the method. */
export function RequestDetails({ request: r }: { request: CustodyRequest }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const agencies = useAgencies();
  if (r.kind === 'loan') {
    return (
      <span>
        {r.borrower} · {r.purpose ? c[`purpose_${r.purpose}`] : ''} · {w.dueAt} {formatTime(r.dueAt, lang)}
      </span>
    );
  }
  if (r.kind === 'transfer') {
    const to = agencies.data?.items.find((agency) => agency.id === r.toAgencyId);
    return (
      <span>
        {w.toAgency}: {to ? to.name : '…'}
      </span>
    );
  }
  if (r.kind === 'disposal') {
    return (
      <span>
        {r.method ? w[`method_${r.method}`] : ''} · {r.orderReference}
      </span>
    );
  }
  return <span>{Object.keys(r.changes ?? {}).join(', ')}</span>;
}

/** One request in a few lines: for lists (an item's requests, the requests page at a phone's width). */
export function RequestSummary({ request: r, showItems }: { request: CustodyRequest; showItems?: boolean }) {
  const w = useWords(words);
  const { lang } = useLang();
  const me = useMe().data;
  return (
    <Flex vertical gap={2}>
      <Flex gap={8} align="center" wrap>
        <Typography.Text strong>{w[`kind_${r.kind}`]}</Typography.Text>
        <StatusTag status={r.status} />
        <Typography.Text type="secondary">{formatTime(r.createdAt, lang)}</Typography.Text>
        {r.requesterId === me?.id && <Typography.Text type="secondary">{w.mine}</Typography.Text>}
      </Flex>
      {showItems && (
        <Flex gap={6} wrap>
          {r.itemCodes.map((code) => (
            <Link key={code} to={`/items/${code}`}>
              <ItemCode code={code} />
            </Link>
          ))}
        </Flex>
      )}
      <RequestDetails request={r} />
      <Typography.Text type="secondary">
        {w.reason}: {r.reason}
      </Typography.Text>
      {r.decisionNote && (
        <Typography.Text type="secondary">
          {w.decision}: {r.decisionNote}
        </Typography.Text>
      )}
    </Flex>
  );
}

/** What the server allows: the requester, or an approver of the agency, cancels what is not carried out. */
export function useMayCancel() {
  const me = useMe().data;
  return (r: CustodyRequest) =>
    (r.status === 'requested' || r.status === 'approved') &&
    (r.requesterId === me?.id || (hasRole(me, 'approver') && r.agencyId === me?.agencyId));
}
