import { Alert, Button, Card, Spin, Timeline, Typography } from 'antd';
import { FilePdfOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { formatTime } from '../../../lib/format';
import { useLang, useWords } from '../../../lib/i18n';
import { common, serverWord } from '../../../lib/words';
import { ProblemAlert } from '../../../components/ProblemAlert';
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

function EventEntry({ event, places }: { event: ItemEvent; places: Map<string, string> | undefined }) {
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
      <Typography.Text strong>
        {event.itemSeq}. {eventWord(w, event.type)}
      </Typography.Text>
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
    </div>
  );
}

/** The item's whole history, every event the ledger has for it, as a timeline; and its PDF. */
export function History({ code }: { code: string }) {
  const w = useWords(words);
  const c = useWords(common);
  const { lang } = useLang();
  const events = useItemEvents(code);
  const places = useLocationCodes();
  const pdf = `/api/v1/items/${encodeURIComponent(code)}/history.pdf?lang=${lang}`;
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
                content: <EventEntry event={event} places={places.data} />,
              }))}
            />
          )}
        </>
      )}
    </Card>
  );
}
