import { Alert } from 'antd';
import { useWords } from '../lib/i18n';
import { Problem } from '../lib/problem';
import { common } from '../lib/words';

type Common = typeof common.zh;

export function problemTitle(error: unknown, w: Common): string {
  if (!(error instanceof Problem)) return w.problemOther;
  if (error.status === 0) return w.networkDown;
  const key = `problem${error.status}` as keyof Common;
  return key in w ? (w[key] as string) : w.problemOther;
}

/** A refused action, where it happened: the kind of refusal in the user's language, and the server's detail. */
export function ProblemAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const w = useWords(common);
  if (!error) return null;
  const problem = error instanceof Problem ? error : undefined;
  const detail = problem ? problem.body.detail : String((error as Error).message ?? error);
  const fields = problem?.body.errors ?? [];
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={problemTitle(error, w)}
      closable={onClose ? { onClose } : undefined}
      description={
        <>
          <div data-testid="problem-detail">{detail}</div>
          {fields.length > 0 && (
            <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }}>
              {fields.map((f) => (
                <li key={`${f.in}.${f.field}`}>
                  <code>{f.field}</code>: {f.detail}
                </li>
              ))}
            </ul>
          )}
        </>
      }
    />
  );
}
