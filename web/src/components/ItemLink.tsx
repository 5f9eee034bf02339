import { Link } from 'react-router';
import { ItemCode } from './ItemCode';

/** An item's code in its printed groups, opening the item's page. */
export function ItemLink({ code }: { code: string }) {
  return (
    <Link to={`/items/${code}`}>
      <ItemCode code={code} />
    </Link>
  );
}
