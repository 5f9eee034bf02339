import { Flex, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { formatTime } from '../../lib/format';
import { useLang, useWords } from '../../lib/i18n';
import { hasRole, useMe } from '../../lib/session';
import { tones } from '../../lib/tones';
import { common } from '../../lib/words';
import { useAgencies } from '../../lib/agencies';
import type { CustodyRequest, RequestStatus } from './api';
import { words } from './words';

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
      {r.answerNote && (
        <Typography.Text type="secondary">
          {w.answer}: {r.answerNote}
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

/** The approver's note and, for a transfer, the receiving agency's: what was decided about it, in words. */
export function DecisionNotes({ request: r }: { request: CustodyRequest }) {
  const w = useWords(words);
  return (
    <Flex vertical gap={2}>
      {r.decisionNote && <span>{r.decisionNote}</span>}
      {r.answerNote && (
        <span>
          {w.answer}: {r.answerNote}
        </span>
      )}
    </Flex>
  );
}
