import { Alert, Flex } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { ItemCode } from '../../components/ItemCode';
import { useWords } from '../../lib/i18n';
import { useLiveChanges } from '../../lib/live';
import { common, serverWord } from '../../lib/words';
import { words } from './words';

interface Raised {
  id: string;
  kind: string;
  message: string;
  itemCode: string | null;
}

// More than a few at once is a list, which the alerts page is.
const SHOWN = 3;

/**
 * Alerts as they are raised, on whatever page the user is, until they close them. The server tells each
 * user only of the alerts they may see.
 */
export function LiveAlerts() {
  const w = useWords(words);
  const c = useWords(common);
  const [raised, setRaised] = useState<Raised[]>([]);
  useLiveChanges((change) => {
    if (change.topic !== 'alert' || change.status !== 'open') return;
    const alert = change as unknown as Raised;
    setRaised((shown) => [alert, ...shown.filter((a) => a.id !== alert.id)].slice(0, SHOWN));
  });
  if (!raised.length) return null;
  return (
    <Flex vertical gap={8} style={{ padding: '8px 16px 0' }} data-testid="live-alerts">
      {raised.map((alert) => (
        <Alert
          key={alert.id}
          type="error"
          showIcon
          role="alert"
          closable={{ 'aria-label': w.close }}
          onClose={() => setRaised((shown) => shown.filter((a) => a.id !== alert.id))}
          title={w.newAlert(serverWord(c, 'alert', alert.kind))}
          description={
            <>
              {alert.itemCode && (
                <>
                  {w.item} <ItemCode code={alert.itemCode} />{' '}
                </>
              )}
              {alert.message}{' '}
              <Link to="/alerts" style={{ textDecoration: 'underline' }}>
                {w.see}
              </Link>
            </>
          }
        />
      ))}
    </Flex>
  );
}
