import { Alert, Button, Card, Flex, Spin, Tag, Timeline, Typography } from 'antd';
import { FilePdfOutlined } from '@ant-design/icons';
import { useState, type ReactNode } from 'react';
import { formatTime } from '../../../lib/format';
import { useLang, useWords } from '../../../lib/i18n';
import { common, serverWord } from '../../../lib/words';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { tones } from '../../../lib/tones';
import type { Inspection } from './Inspection';
import { field, useItemEvents, useLocationCodes, type ItemEvent } from './data';
import { Hash } from './Hash';
import { eventWord, words } from './words';

const COLORS: Record<string, string> = {
  hold_placed: 'red',
  alert: 'red',
  disposed: 'gray',
  hold_released: 'green',
  check_in: 'green',
  return: 'green',
};

const shortId = (id: string) => id.slice(0, 8);

function Line({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Typography.Text type="secondary">{label}: </Typography.Text>
      {children}
    </div>
  );
}

function EventEntry({
  event,
  places,
  verified,
}: {
  event: ItemEvent;
  places: Map<string, string> | undefined;
  /** Checked in the browser: whether the leaf hash recomputed from its canonical JSON is the one the server gives. */
  verified?: boolean;
}) {
  const [showCanonical, setShowCanonical] = useState(false);
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const env = event.envelope as Record<string, unknown>;
  const from = typeof env.from === 'string' ? env.from : null;
  const to = typeof env.to === 'string' ? env.to : null;
  const locationId = typeof env.location === 'string' ? env.location : null;
  const requestId = typeof env.requestId === 'string' ? env.requestId : null;
  const witness = field(event, 'witnessId');
  const note = field(event, 'note');
  const reason = field(event, 'reason');
  return (
    <div data-testid="history-event" style={{ overflowWrap: 'anywhere' }}>
      <Flex gap={8} align="center" wrap>
        <Typography.Text strong>
          {event.itemSeq}. {eventWord(w, event.type)}
        </Typography.Text>
        {verified !== undefined && (
          <Tag style={verified ? tones.green : tones.red} data-testid="event-verified">
            {verified ? w.verified : w.notVerified}
          </Tag>
        )}
      </Flex>
      <div>
        <Typography.Text type="secondary">
          <time dateTime={String(env.occurredAt ?? '')}>{formatTime(String(env.occurredAt ?? ''), lang)}</time>
        </Typography.Text>
      </div>
      <Line label={w.actor}>{event.actorName ?? w.system}</Line>
      {witness && (
        <Line label={w.witness}>
          <Typography.Text code>{shortId(witness)}</Typography.Text>
        </Line>
      )}
      {from !== to && to && (
        <Line label={w.stateChange}>
          {from ? `${serverWord(c, 'state', from)} → ` : ''}
          {serverWord(c, 'state', to)}
        </Line>
      )}
      {locationId && (
        <Line label={w.location}>
          <Typography.Text code>{places?.get(locationId) ?? shortId(locationId)}</Typography.Text>
        </Line>
      )}
      {requestId && (
        <Line label={w.request}>
          <Typography.Text code>{shortId(requestId)}</Typography.Text>
        </Line>
      )}
      {reason && <Line label={w.reason}>{reason}</Line>}
      {note && <Line label={w.note}>{note}</Line>}
      <Hash label={w.leafHash} value={event.leafHash} />
      <Hash label={w.prevHash} value={event.prevItemHash} />
      <Button
        type="link"
        size="small"
        onClick={() => setShowCanonical(!showCanonical)}
        aria-expanded={showCanonical}
        style={{ padding: 0, fontSize: 12 }}
      >
        {showCanonical ? w.hideCanonical : w.canonical}
      </Button>
      {showCanonical && (
        <pre style={{ fontSize: 12, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', margin: 0 }}>
          {event.canonical}
        </pre>
      )}
    </div>
  );
}

/** The item's whole history, every event the ledger has for it, as a timeline; and its PDF. */
export function History({ code, inspection }: { code: string; inspection?: Inspection }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const events = useItemEvents(code);
  const places = useLocationCodes();
  const pdf = `/api/v1/items/${encodeURIComponent(code)}/history.pdf?lang=${lang}`;
  // The browser's own leaf hashes, where it checked the history: each must be the hash the server sends.
  const recomputed = inspection && new Map(inspection.events.map((e) => [e.index, e.leafHash]));
  const verifiedOf = (event: ItemEvent) =>
    recomputed &&
    (inspection.ok || recomputed.has(event.index) ? recomputed.get(event.index) === event.leafHash : false);
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.history}</h2>}
      extra={
        <Button icon={<FilePdfOutlined />} href={pdf} target="_blank" rel="noopener">
          {w.historyPdf}
        </Button>
      }
    >
      {events.isPending ? (
        <Spin tip={c.loading}>
          <div style={{ minHeight: 48 }} />
        </Spin>
      ) : events.error ? (
        <ProblemAlert error={events.error} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{w.historyCount(events.data.length)}</Typography.Paragraph>
          {events.data.length === 0 ? (
            <Alert type="info" title={w.none} />
          ) : (
            <Timeline
              items={events.data.map((event) => ({
                key: event.index,
                color: COLORS[event.type] ?? 'blue',
                content: <EventEntry event={event} places={places.data} verified={verifiedOf(event)} />,
              }))}
            />
          )}
        </>
      )}
    </Card>
  );
}
