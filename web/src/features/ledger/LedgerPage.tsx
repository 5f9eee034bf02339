import { PageTitle } from '../../components/PageTitle';
import { Flex } from 'antd';
import { useWords } from '../../lib/i18n';
import { Checkpoints } from './Checkpoints';
import { Verification } from './Verification';
import { words } from './words';

/** The inspector's view of the ledger as a whole: verify it all, and its checkpoints over time. */
export default function LedgerPage() {
  const w = useWords(words);
  return (
    <Flex vertical gap={16} style={{ maxWidth: 1100 }}>
      <PageTitle title={w.title} subtitle={w.subtitle} />
      <Verification />
      <Checkpoints />
    </Flex>
  );
}
