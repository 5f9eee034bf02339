import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';

/** An item as GET /items lists it; its review date and hold are in the projection it sends whole. */
export type DueItem = Answer<'getItems'>['items'][number] & {
  reviewDate?: string;
  legalHold?: boolean;
  holdReason?: string | null;
};

/** Items due for review (review date today or earlier, not disposed of), the longest overdue first. */
export function useDueItems(limit: number, offset: number) {
  return useQuery({
    queryKey: ['items', 'review-due', limit, offset],
    queryFn: async () => {
      const page = await ok(
        api.GET('/items', {
          params: { query: { reviewDue: 'true', sort: 'reviewDate', order: 'asc', limit, offset } },
        }),
      );
      return { ...page, items: page.items as DueItem[] };
    },
    placeholderData: keepPreviousData,
  });
}
