import { Button, Result } from 'antd';
import { useNavigate } from 'react-router';
import { useWords } from '../lib/i18n';
import { common } from '../lib/words';

export default function NotFound() {
  const w = useWords(common);
  const navigate = useNavigate();
  return <Result status="404" title={w.notFound} extra={<Button onClick={() => navigate('/')}>{w.backHome}</Button>} />;
}
