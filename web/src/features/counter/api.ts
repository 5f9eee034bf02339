import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';

export type CounterItem = Answer<'getItemsCode'>;
export type HandoverBody = BodyOf<'postHandovers'>;
export type Handover = Answer<'postHandovers', 201>;

/** One item as the scanner or the picker found it. */
export const lookUpItem = (code: string) => ok(api.GET('/items/{code}', { params: { path: { code } } }));

/** Items still with their officer (registered), for picking when there is no label to scan. */
export function useAwaitingItems(search: string) {
  return useQuery({
    queryKey: ['items', { state: 'registered', q: search }],
    queryFn: () =>
      ok(
        api.GET('/items', {
          params: { query: { state: 'registered', q: search || undefined, limit: 50, sort: 'lastEventAt' } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useHandOver() {
  return useMutation({
    mutationFn: (body: HandoverBody) => ok(api.POST('/handovers', { body })),
  });
}

/** The receipt's address: opened in a new tab with the session cookie, so it is a link the user can reopen. */
export const receiptUrl = (id: string, lang: string) =>
  `/api/v1/handovers/${encodeURIComponent(id)}/receipt.pdf?lang=${lang}`;
