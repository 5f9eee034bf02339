import { Alert, Button } from 'antd';
import { useRouteError } from 'react-router';
import { useWords } from '../lib/i18n';
import { common } from '../lib/words';

/** A route whose code failed to load (a new deployment, a dropped connection) offers a reload. */
export function RouteError() {
  const w = useWords(common);
  const error = useRouteError() as Error | undefined;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={w.crashed}
      description={error?.message}
      action={<Button onClick={() => window.location.reload()}>{w.reload}</Button>}
      style={{ margin: 24 }}
    />
  );
}
