import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';

export type Locker = Answer<'getLockers'>['items'][number];
export type Compartment = Locker['compartments'][number];

/** Marked out of date by the change stream (lib/live.ts) as doors, occupancy, readings, alerts and presence change. */
export const lockersKey = ['lockers'] as const;
// All of a centre's lockers on one page: a centre has tens of them, not thousands.
const LIMIT = 200;

export function useLockers() {
  return useQuery({
    queryKey: lockersKey,
    queryFn: () => ok(api.GET('/lockers', { params: { query: { limit: LIMIT, offset: 0 } } })),
  });
}

/** Sends the unlock command of one compartment's back door; the answer says until when it is valid. */
export function useUnlock() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ deviceId, code, ttlSeconds }: { deviceId: string; code: string; ttlSeconds: number }) =>
      ok(
        api.POST('/lockers/{deviceId}/compartments/{c}/unlock', {
          params: { path: { deviceId, c: code } },
          body: { ttlSeconds },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: lockersKey }),
  });
}
