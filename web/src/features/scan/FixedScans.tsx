import { Typography } from 'antd';
import { useState } from 'react';
import { formatItemCode } from '../../lib/format';
import { useWords } from '../../lib/i18n';
import { useLiveChanges } from '../../lib/live';
import { common, serverWord } from '../../lib/words';
import { PALETTE } from './ScanResults';
import type { Outcome, Place } from './station';
import { words } from './words';

interface FixedScan {
  id: string;
  at: Date;
  deviceCode: string;
  outcome: Outcome;
  code: string | null;
  state: string | null;
  reason: string | null;
}

const KEPT = 20;
const OUTCOMES: Record<string, Outcome> = { committed: 'committed', rejected: 'refused', duplicate: 'duplicate' };
const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

/**
 * What the fixed scanners at this station's place (every one, before a place is chosen) scan, as each scan
 * is committed: an item carried in through the door shows here without anyone typing.
 */
export function FixedScans({ place }: { place: Place | undefined }) {
  const w = useWords(words);
  const c = useWords(common);
  const [scans, setScans] = useState<FixedScan[]>([]);
  useLiveChanges((change) => {
    if (change.topic !== 'scan' || (place && change.locationCode !== place.code)) return;
    const item = change.item as { code: string; state: string } | null;
    const scan: FixedScan = {
      id: change.id,
      at: new Date(),
      deviceCode: String(change.deviceCode),
      outcome: OUTCOMES[String(change.status)] ?? 'info',
      code: item?.code ?? null,
      state: item?.state ?? null,
      reason: (change.reason as string | null) ?? null,
    };
    setScans((shown) => [scan, ...shown].slice(0, KEPT));
  });
  return (
    <section aria-labelledby="fixed-scans" style={{ marginTop: 16 }}>
      <Typography.Title level={2} id="fixed-scans" style={{ fontSize: 18 }}>
        {place ? w.fixedScansAt(place.code) : w.fixedScans}
      </Typography.Title>
      {scans.length === 0 ? (
        <Typography.Text type="secondary">{w.noFixedScans}</Typography.Text>
      ) : (
        <ol aria-live="polite" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="fixed-scans">
          {scans.map((scan) => (
            <li
              key={scan.id}
              data-outcome={scan.outcome}
              style={{
                display: 'flex',
                flexWrap: 'wrap',
                gap: '2px 12px',
                padding: '6px 0',
                borderBottom: '1px solid #f0f0f0',
              }}
            >
              <span style={{ color: '#595959', ...mono }}>{scan.at.toLocaleTimeString('en-GB')}</span>
              <span style={{ ...PALETTE[scan.outcome], borderRadius: 4, padding: '0 8px', fontWeight: 600 }}>
                {w[`outcome_${scan.outcome}`]}
              </span>
              <span>{scan.deviceCode}</span>
              {scan.code && <span style={mono}>{formatItemCode(scan.code)}</span>}
              {scan.state && <span>{serverWord(c, 'state', scan.state)}</span>}
              {scan.outcome === 'refused' && scan.reason && <span>{scan.reason}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
