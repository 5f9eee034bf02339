import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';

export type Inventory = Answer<'getAuditsId'>;
export type NewInventory = BodyOf<'postAudits'>;

export const inventoriesKey = ['audits'] as const;
// Polled while open: the counts fill in as the scan station and fixed scanners count.
const LIVE_MS = 2000;

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
    refetchInterval: (query) => (query.state.data?.status === 'open' ? LIVE_MS : false),
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
