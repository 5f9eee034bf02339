import { Button, Typography } from 'antd';
import { useState } from 'react';
import { useWords } from '../../../lib/i18n';
import { words } from './words';

/** A SHA-256 in hex, shortened to its first and last characters; the full value on demand, to copy. */
export function Hash({ label, value }: { label: string; value: string | null }) {
  const w = useWords(words);
  const [open, setOpen] = useState(false);
  if (!value) return null;
  return (
    <div style={{ fontSize: 12, overflowWrap: 'anywhere' }}>
      <Typography.Text type="secondary">{label}: </Typography.Text>
      {open ? (
        <Typography.Text code copyable>
          {value}
        </Typography.Text>
      ) : (
        <Typography.Text code>{`${value.slice(0, 8)}…${value.slice(-6)}`}</Typography.Text>
      )}{' '}
      <Button type="link" size="small" onClick={() => setOpen(!open)} aria-expanded={open} style={{ padding: 0 }}>
        {open ? w.hideHash : w.showHash}
      </Button>
    </div>
  );
}
