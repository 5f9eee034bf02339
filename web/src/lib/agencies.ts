import { useQuery } from '@tanstack/react-query';
import { api, ok } from './api';
import type { Answer } from './api-shapes';

export type Agency = Answer<'getAgencies'>['items'][number];

/** Every agency, to name one or choose one: a province has tens, not thousands. */
export function useAgencies() {
  return useQuery({
    queryKey: ['agencies'],
    queryFn: () => ok(api.GET('/agencies', { params: { query: { limit: 200, offset: 0 } } })),
    staleTime: 300_000,
  });
}
