import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';

export type Inventory = Answer<'getAuditsId'>;
export type NewInventory = BodyOf<'postAudits'>;

// The change stream (lib/live.ts) marks these out of date as the scan station and fixed scanners count.
export const inventoriesKey = ['audits'] as const;

export function useInventories(limit: number, offset: number) {
  return useQuery({
    queryKey: [...inventoriesKey, limit, offset],
    queryFn: () => ok(api.GET('/audits', { params: { query: { limit, offset } } })),
    placeholderData: keepPreviousData,
  });
}

export function useInventory(id: string) {
  return useQuery({
    queryKey: [...inventoriesKey, id],
    queryFn: () => ok(api.GET('/audits/{id}', { params: { path: { id } } })),
  });
}

export function useStartInventory() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewInventory) => ok(api.POST('/audits', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inventoriesKey }),
  });
}

export function useCloseInventory(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => ok(api.POST('/audits/{id}/close', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inventoriesKey }),
  });
}
