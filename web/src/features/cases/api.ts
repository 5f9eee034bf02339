import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';

export type CaseRow = Answer<'getCases'>['items'][number];
export type CaseItem = Answer<'getItems'>['items'][number];
export type CaseStatus = CaseRow['status'];
export const CASE_STATUSES: readonly CaseStatus[] = ['open', 'closed'];

export interface CaseListQuery {
  q?: string;
  status?: CaseStatus;
  limit: number;
  offset: number;
}

export function useCases(query: CaseListQuery) {
  return useQuery({
    queryKey: ['cases', query],
    queryFn: () => ok(api.GET('/cases', { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

export function useCase(id: string) {
  return useQuery({
    queryKey: ['cases', id],
    queryFn: () => ok(api.GET('/cases/{id}', { params: { path: { id } } })),
  });
}

export function useCreateCase() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'postCases'>) => ok(api.POST('/cases', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cases'] }),
  });
}

/** The most the server's item list answers with at once. */
export const ITEM_PAGE = 200;

/**
 * The pages of a case's items that cover the rows `first`…`last` (in item-number order), fetched as they come
 * into view: a scroll to row 9,000 asks for that page, not for the 45 before it. Each page is cached under its
 * own key, so that a page scrolled past and back is not fetched again.
 */
export function useCaseItemPages(caseId: string, first: number, last: number) {
  // The first page is always among them: its total keeps the table's length while a far page loads.
  const pages: number[] = [0];
  for (
    let page = Math.max(1, Math.floor(first / ITEM_PAGE));
    page <= Math.floor(Math.max(first, last) / ITEM_PAGE);
    page++
  ) {
    pages.push(page);
  }
  const results = useQueries({
    queries: pages.map((page) => {
      const query = {
        caseId,
        sort: 'itemNo' as const,
        order: 'asc' as const,
        limit: ITEM_PAGE,
        offset: page * ITEM_PAGE,
      };
      return {
        queryKey: ['items', query],
        queryFn: () => ok(api.GET('/items', { params: { query } })),
        staleTime: 30_000,
      };
    }),
  });
  const rows = new Map<number, CaseItem>();
  let total: number | undefined;
  let error: unknown;
  results.forEach((result, i) => {
    if (result.error) error = result.error;
    if (!result.data) return;
    total = result.data.total;
    result.data.items.forEach((item, j) => rows.set(pages[i]! * ITEM_PAGE + j, item));
  });
  return { rows, total, error, fetching: results.some((r) => r.isFetching) };
}
