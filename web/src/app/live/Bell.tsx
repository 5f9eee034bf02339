import { BellOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Dropdown } from 'antd';
import { useNavigate } from 'react-router';
import { api, ok } from '../../lib/api';
import { useWords } from '../../lib/i18n';
import { words } from './words';

const LISTS = [
  { key: 'decisions', path: '/decisions' },
  { key: 'transfers', path: '/transfers' },
  { key: 'overdueLoans', path: '/loans' },
  { key: 'dueReviews', path: '/reviews' },
  { key: 'alerts', path: '/alerts' },
] as const;

/**
 * What waits for the user, by list, each a link to it. The change stream marks the counts out of date as
 * requests and alerts change, so they are read again at once.
 */
export function Bell() {
  const w = useWords(words);
  const navigate = useNavigate();
  const { data } = useQuery({ queryKey: ['waiting'], queryFn: () => ok(api.GET('/me/waiting')) });
  const lists = LISTS.flatMap((list) => {
    const count = data?.[list.key];
    return count === null || count === undefined ? [] : [{ ...list, count }];
  });
  if (!lists.length) return null;
  const total = lists.reduce((sum, list) => sum + list.count, 0);
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: lists.map((list) => ({
          key: list.path,
          label: (
            <span data-testid={`waiting-${list.key}`}>
              {w[list.key]} <strong>{list.count}</strong>
            </span>
          ),
        })),
        onClick: ({ key }) => navigate(key),
      }}
    >
      <Button type="text" aria-label={w.waiting(total)} data-testid="bell" style={{ color: '#fff' }}>
        <BellOutlined style={{ fontSize: 18 }} />
        {total > 0 && (
          <span className="bell-count" aria-hidden="true">
            {total > 99 ? '99+' : total}
          </span>
        )}
      </Button>
    </Dropdown>
  );
}
