import { QueuePage, type Queue } from './QueuePage';

/** The approved transfers offered to the user's agency, awaiting its answer. */
const OFFERS: Queue = {
  query: { side: 'receiving', kind: 'transfer', status: 'approved' },
  decisions: ['accept', 'refuse'],
  title: 'offersTitle',
  subtitle: 'offersSubtitle',
  none: 'noneOffered',
};

export default function OffersPage() {
  return <QueuePage queue={OFFERS} />;
}
