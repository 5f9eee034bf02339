import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../../lib/api';
import type { Answer } from '../../../lib/api-shapes';

/**
 * The item as GET /items/{code} answers: the schema names only some fields, the presenter sends the whole
 * projection (src/custody/items/item-queries.ts presentItem), so the rest are read here as optional.
 */
export type Item = Answer<'getItemsCode'> & {
  quantity?: string;
  unit?: string;
  weightGrams?: string | null;
  amount?: string | null;
  currency?: string | null;
  serialNumber?: string | null;
  sealNumber?: string | null;
  seizedAt?: string;
  seizedFrom?: string | null;
  seizedPlace?: string | null;
  reviewDate?: string;
  legalHold?: boolean;
  holdReason?: string | null;
  holderName?: string | null;
  holderUsername?: string | null;
  loanDueAt?: string | null;
  heldByAgencyIds?: string[];
  eventCount?: number;
};
export type ItemEvent = Answer<'getItemsCodeEvents'>['items'][number];

export const itemKey = (code: string) => ['item', code] as const;
export const eventsKey = (code: string) => ['item', code, 'events'] as const;

export function useItem(code: string) {
  return useQuery({
    queryKey: itemKey(code),
    queryFn: async () => (await ok(api.GET('/items/{code}', { params: { path: { code } } }))) as Item,
  });
}

const PAGE = 1000;

/** Every event of the item, all pages of them, oldest first. */
export function useItemEvents(code: string) {
  return useQuery({
    queryKey: eventsKey(code),
    queryFn: async () => {
      const events: ItemEvent[] = [];
      for (;;) {
        const page = await ok(
          api.GET('/items/{code}/events', {
            params: { path: { code }, query: { limit: PAGE, offset: events.length } },
          }),
        );
        events.push(...page.items);
        if (page.items.length === 0 || events.length >= page.total) return events;
      }
    },
  });
}

/** Location codes by id, to name the places events record by id. */
export function useLocationCodes() {
  return useQuery({
    queryKey: ['locations', 'codes'],
    queryFn: async () => {
      const codes = new Map<string, string>();
      for (;;) {
        const page = await ok(api.GET('/locations', { params: { query: { limit: 200, offset: codes.size } } }));
        for (const l of page.items) codes.set(l.id, l.code);
        if (page.items.length === 0 || codes.size >= page.total) return codes;
      }
    },
    staleTime: 300_000,
  });
}

export function useCase(id: string | undefined) {
  return useQuery({
    queryKey: ['case', id],
    enabled: !!id,
    queryFn: () => ok(api.GET('/cases/{id}', { params: { path: { id: id! } } })),
  });
}

/** The payload's string field, if it has one. */
export function field(event: ItemEvent, name: string): string | undefined {
  const payload = event.envelope.payload as Record<string, unknown> | undefined;
  const value = payload?.[name] ?? event.envelope[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
