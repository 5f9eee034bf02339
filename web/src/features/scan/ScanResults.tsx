import { Typography } from 'antd';
import { useWords } from '../../lib/i18n';
import { common } from '../../lib/words';
import type { Outcome, ScanResult } from './station';
import { words } from './words';

// Dark enough for white text (and amber for black) to pass WCAG AA, as the station is read from a distance.
export const PALETTE: Record<Outcome | 'waiting', { background: string; color: string }> = {
  committed: { background: '#237804', color: '#fff' },
  refused: { background: '#a8071a', color: '#fff' },
  duplicate: { background: '#ffc53d', color: '#1f1f1f' },
  warning: { background: '#ffc53d', color: '#1f1f1f' },
  info: { background: '#0958d9', color: '#fff' },
  waiting: { background: '#f0f0f0', color: '#434343' },
};

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

/** The last scan, big and coloured, read out by screen readers as it changes. */
export function ScanResultPanel({ result }: { result: ScanResult | undefined }) {
  const w = useWords(words);
  const c = useWords(common);
  const colours = PALETTE[result?.outcome ?? 'waiting'];
  return (
    <section
      role="status"
      aria-live="assertive"
      aria-atomic="true"
      data-testid="scan-result"
      data-outcome={result?.outcome ?? 'waiting'}
      style={{ ...colours, borderRadius: 12, padding: '16px 20px', minHeight: 132, margin: '16px 0' }}
    >
      {!result ? (
        <div style={{ fontSize: 28, fontWeight: 600 }}>{w.waiting}</div>
      ) : (
        <>
          <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', gap: '4px 16px' }}>
            <span style={{ fontSize: 30, fontWeight: 700 }}>{w[`outcome_${result.outcome}`]}</span>
            <span style={{ ...mono, fontSize: 24, wordBreak: 'break-all' }}>{result.shown}</span>
          </div>
          <div style={{ fontSize: 22, fontWeight: 600, marginTop: 4 }} data-testid="scan-message">
            {result.say(w, c)}
          </div>
          {result.item && (
            <div style={{ fontSize: 16, marginTop: 4 }}>
              {c[`category_${result.item.category}`]} · {result.item.description}
            </div>
          )}
          {result.lines && result.lines.length > 0 && (
            <div style={{ marginTop: 8 }}>
              <strong>{w.mismatches}:</strong>
              <ul style={{ margin: '4px 0 0', paddingInlineStart: 22, fontSize: 18 }} data-testid="scan-mismatches">
                {result.lines.map((line, i) => (
                  <li key={i}>{line(w, c)}</li>
                ))}
              </ul>
            </div>
          )}
          {result.detail && (
            <div style={{ fontSize: 14, marginTop: 8 }}>
              {w.serverSaid}: <span data-testid="scan-detail">{result.detail}</span>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** The scans of this session, newest first. */
export function ScanList({ results }: { results: ScanResult[] }) {
  const w = useWords(words);
  const c = useWords(common);
  return (
    <section aria-labelledby="last-scans">
      <Typography.Title level={2} id="last-scans" style={{ fontSize: 18 }}>
        {w.lastScans}
      </Typography.Title>
      {results.length === 0 ? (
        <Typography.Text type="secondary">{w.noScans}</Typography.Text>
      ) : (
        <ol style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="scan-list">
          {results.map((result) => (
            <li
              key={result.id}
              data-outcome={result.outcome}
              style={{
                display: 'flex',
                flexWrap: 'wrap',
                gap: '2px 12px',
                alignItems: 'baseline',
                padding: '6px 0',
                borderBottom: '1px solid #f0f0f0',
              }}
            >
              <span style={{ color: '#595959', ...mono }}>{result.at.toLocaleTimeString('en-GB')}</span>
              <span
                style={{
                  ...PALETTE[result.outcome],
                  borderRadius: 4,
                  padding: '0 8px',
                  fontWeight: 600,
                  whiteSpace: 'nowrap',
                }}
              >
                {w[`outcome_${result.outcome}`]}
              </span>
              <span style={{ ...mono, wordBreak: 'break-all' }}>{result.shown}</span>
              <span>{result.say(w, c)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
