import { Alert, Button, Card, Flex, Progress, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ItemLink } from '../../components/ItemLink';
import type { Answer } from '../../lib/api-shapes';
import { useWords } from '../../lib/i18n';
import { words } from './words';

type Result = Answer<'getLedgerVerify'>;
type Run =
  | { phase: 'idle' }
  | { phase: 'running'; checked: number; total: number }
  | { phase: 'done'; result: Result }
  | { phase: 'failed'; detail: string };

/**
 * Runs the server's whole-ledger verification from the page, with its progress as it streams in, and names
 * the first event or items row that does not match.
 */
export function Verification() {
  const w = useWords(words);
  const [run, setRun] = useState<Run>({ phase: 'idle' });
  const source = useRef<EventSource>(null);
  useEffect(() => () => source.current?.close(), []);

  // `last`: from the checkpoint the last passing verification ended at (the whole ledger when none did).
  const start = (since?: 'last') => {
    source.current?.close();
    setRun({ phase: 'running', checked: 0, total: 0 });
    const events = new EventSource(`/api/v1/ledger/verify/stream${since ? `?since=${since}` : ''}`);
    source.current = events;
    events.addEventListener('progress', (e) => setRun({ phase: 'running', ...JSON.parse((e as MessageEvent).data) }));
    events.addEventListener('result', (e) => {
      events.close();
      setRun({ phase: 'done', result: JSON.parse((e as MessageEvent).data) as Result });
    });
    const failed = (detail: string) => {
      events.close();
      setRun({ phase: 'failed', detail });
    };
    events.addEventListener('failed', (e) =>
      failed((JSON.parse((e as MessageEvent).data) as { detail: string }).detail),
    );
    // A stream that breaks (the server stopped, the session ended) is not retried: the check is started anew.
    events.onerror = () => failed(w.couldNotRun);
  };

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{w.verifyTitle}</h2>} data-testid="ledger-verification">
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{w.verifyHint}</Typography.Text>
        <Typography.Text type="secondary">{w.sinceHint}</Typography.Text>
        <Flex gap={8} wrap>
          <Button type="primary" onClick={() => start()} loading={run.phase === 'running'}>
            {w.start}
          </Button>
          <Button onClick={() => start('last')} disabled={run.phase === 'running'}>
            {w.startSince}
          </Button>
        </Flex>
        {run.phase === 'running' && (
          <div role="status">
            <Progress percent={run.total ? Math.floor((run.checked / run.total) * 100) : 0} />
            <Typography.Text>{w.running(run.checked, run.total)}</Typography.Text>
          </div>
        )}
        {run.phase === 'done' && run.result.ok && (
          <Alert
            type="success"
            showIcon
            role="status"
            title={w.passed}
            description={
              run.result.since === null ? (
                w.passedDetail(run.result.size, run.result.itemsChecked, run.result.root.slice(0, 16))
              ) : (
                <Flex vertical gap={4}>
                  <span>
                    {w.sinceDetail(
                      run.result.since,
                      run.result.eventsChecked,
                      run.result.itemsChecked,
                      run.result.root.slice(0, 16),
                    )}
                  </span>
                  <span>{w.sinceNotCovered}</span>
                </Flex>
              )
            }
          />
        )}
        {run.phase === 'done' && run.result.failure && (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={w.failedTitle}
            description={
              <Flex vertical gap={4} data-testid="ledger-failure">
                {run.result.failure.index !== null && <span>{w.atEvent(run.result.failure.index)}</span>}
                {run.result.failure.itemCode && (
                  <span>
                    {w.atItem} <ItemLink code={run.result.failure.itemCode} />
                  </span>
                )}
                <span>{run.result.failure.reason}</span>
              </Flex>
            }
          />
        )}
        {run.phase === 'failed' && (
          <Alert type="error" showIcon role="alert" title={w.couldNotRun} description={run.detail} />
        )}
      </Flex>
    </Card>
  );
}
