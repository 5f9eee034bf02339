import { Flex, Typography } from 'antd';
import { useWords } from '../../lib/i18n';
import { Checkpoints } from './Checkpoints';
import { Verification } from './Verification';
import { words } from './words';

/** The inspector's view of the ledger as a whole: verify it all, and its checkpoints over time. */
export default function LedgerPage() {
  const w = useWords(words);
  return (
    <Flex vertical gap={16} style={{ maxWidth: 1100 }}>
      <div>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {w.title}
        </Typography.Title>
        <Typography.Text type="secondary">{w.subtitle}</Typography.Text>
      </div>
      <Verification />
      <Checkpoints />
    </Flex>
  );
}
