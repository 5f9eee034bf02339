import { Typography } from 'antd';
import { formatItemCode } from '../lib/format';

/** An item code in its printed groups, in a monospaced face so that 0 and O, 1 and I stay apart. */
export function ItemCode({ code, copyable }: { code: string; copyable?: boolean }) {
  return (
    <Typography.Text code copyable={copyable ? { text: formatItemCode(code) } : false} style={{ whiteSpace: 'nowrap' }}>
      {formatItemCode(code)}
    </Typography.Text>
  );
}
