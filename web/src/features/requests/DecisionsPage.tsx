import { QueuePage, type Queue } from './QueuePage';

/** The requests the user's agency decides, still awaiting a decision. */
const DECISIONS: Queue = {
  query: { side: 'deciding', status: 'requested' },
  decisions: ['approve', 'reject'],
  title: 'decisionsTitle',
  subtitle: 'decisionsSubtitle',
  none: 'noneToDecide',
};

export default function DecisionsPage() {
  return <QueuePage queue={DECISIONS} />;
}
