import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';

export type User = Answer<'getUsers'>['items'][number];
export type Role = User['roles'][number];
export type Location = Answer<'getLocations'>['items'][number];
export type LocationKind = BodyOf<'postLocations'>['kind'];
export type NewLocation = BodyOf<'postLocations'>;
export type LocationChange = BodyOf<'patchLocationsCode'>;
export type Device = Answer<'getDevices'>['items'][number];
export type NewDevice = BodyOf<'postDevices'>;
/** A device with its MQTT password: the answer of a registration or a rotation, the only time it is seen. */
export type DeviceWithPassword = Answer<'postDevices', 201>;
export type AgencyKind = BodyOf<'postAgencies'>['kind'];
export type LogEntry = Answer<'getDirectoryLog'>['items'][number];
export type Client = Answer<'getClients'>['items'][number];
export type NewClient = BodyOf<'postClients'>;
/** A client with its secret: the answer of a creation or a new secret, the only time it is seen. */
export type ClientWithSecret = Answer<'postClients', 201>;
export type Webhook = Answer<'getWebhooks'>['items'][number];
export type NewWebhook = BodyOf<'postWebhooks'>;
export type WebhookEventType = NewWebhook['eventTypes'][number];
/** A subscription with its signing secret, shown this once. */
export type WebhookWithSecret = Answer<'postWebhooks', 201>;
export type Attempt = Answer<'getWebhooksIdAttempts'>['items'][number];

// After a change, the lists it shows in are read again (the directory log with them).
function useChange<Input, Output>(keys: QueryKey[], run: (input: Input) => Promise<Output>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () =>
      Promise.all([...keys, ['directory-log']].map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

// Agencies: the list itself is lib/agencies' useAgencies, under the key ['agencies'].
export const useCreateAgency = () =>
  useChange([['agencies']], (body: BodyOf<'postAgencies'>) => ok(api.POST('/agencies', { body })));
export const useChangeAgency = () =>
  useChange([['agencies']], ({ id, body }: { id: string; body: BodyOf<'patchAgenciesId'> }) =>
    ok(api.PATCH('/agencies/{id}', { params: { path: { id } }, body })),
  );

export interface UserFilter {
  agencyCode?: string;
  role?: Role;
  active?: 'true' | 'false';
}

export function useUsers(filter: UserFilter, limit: number, offset: number) {
  return useQuery({
    queryKey: ['users', filter, limit, offset],
    queryFn: () => ok(api.GET('/users', { params: { query: { ...filter, limit, offset } } })),
    placeholderData: keepPreviousData,
  });
}

const usersKey = ['users'];
export const useCreateUser = () =>
  useChange([usersKey], (body: BodyOf<'postUsers'>) => ok(api.POST('/users', { body })));
export const useSetRoles = () =>
  useChange([usersKey], ({ id, roles }: { id: string; roles: Role[] }) =>
    ok(api.PUT('/users/{id}/roles', { params: { path: { id } }, body: { roles } })),
  );
export const useSetActive = () =>
  useChange([usersKey], ({ id, active }: { id: string; active: boolean }) =>
    active
      ? ok(api.POST('/users/{id}/reactivate', { params: { path: { id } } }))
      : ok(api.POST('/users/{id}/deactivate', { params: { path: { id } } })),
  );
export const useSetPassword = () =>
  useChange([usersKey], ({ id, password }: { id: string; password: string }) =>
    ok(api.POST('/users/{id}/password', { params: { path: { id } }, body: { password } })),
  );

// A centre has hundreds of places, a few thousand at most: read whole, in pages of the largest size, in path
// order (a parent before its children).
const LOCATION_PAGE = 200;
export function useLocations() {
  return useQuery({
    queryKey: ['locations', 'all'],
    queryFn: async (): Promise<Location[]> => {
      const first = await ok(api.GET('/locations', { params: { query: { limit: LOCATION_PAGE, offset: 0 } } }));
      const rest = await Promise.all(
        Array.from({ length: Math.ceil(first.total / LOCATION_PAGE) - 1 }, (_, i) =>
          ok(api.GET('/locations', { params: { query: { limit: LOCATION_PAGE, offset: (i + 1) * LOCATION_PAGE } } })),
        ),
      );
      return [first, ...rest].flatMap((page) => page.items);
    },
  });
}

export function useLocation(code: string | undefined) {
  return useQuery({
    queryKey: ['locations', code],
    queryFn: () => ok(api.GET('/locations/{code}', { params: { path: { code: code! } } })),
    enabled: !!code,
  });
}

const locationsKey = ['locations'];
export const useCreateLocation = () =>
  useChange([locationsKey], (body: NewLocation) => ok(api.POST('/locations', { body })));
export const useChangeLocation = () =>
  useChange([locationsKey], ({ code, body }: { code: string; body: LocationChange }) =>
    ok(api.PATCH('/locations/{code}', { params: { path: { code } }, body })),
  );

// A device going on- or offline reaches this list through the change stream (web/src/lib/live.ts), not a poll.
export function useDevices() {
  return useQuery({
    queryKey: ['devices'],
    queryFn: () => ok(api.GET('/devices', { params: { query: { limit: 200, offset: 0 } } })),
  });
}

export function useBroker() {
  return useQuery({
    queryKey: ['devices', 'broker'],
    queryFn: () => ok(api.GET('/devices/broker')),
    staleTime: Infinity,
  });
}

const devicesKey = ['devices'];
export const useRegisterDevice = () => useChange([devicesKey], (body: NewDevice) => ok(api.POST('/devices', { body })));
export const useRotateDevicePassword = () =>
  useChange([devicesKey], (id: string) => ok(api.POST('/devices/{id}/rotate-password', { params: { path: { id } } })));
export const useDisableDevice = () =>
  useChange([devicesKey], (id: string) => ok(api.POST('/devices/{id}/disable', { params: { path: { id } } })));

export function useClients(active: 'true' | 'false' | undefined, limit: number, offset: number) {
  return useQuery({
    queryKey: ['clients', active, limit, offset],
    queryFn: () => ok(api.GET('/clients', { params: { query: { ...(active ? { active } : {}), limit, offset } } })),
    placeholderData: keepPreviousData,
  });
}

const clientsKey = ['clients'];
export const useCreateClient = () => useChange([clientsKey], (body: NewClient) => ok(api.POST('/clients', { body })));
export const useChangeClientSecret = () =>
  useChange([clientsKey], (id: string) => ok(api.POST('/clients/{id}/secret', { params: { path: { id } } })));
export const useRevokeClient = () =>
  useChange([clientsKey], (id: string) => ok(api.POST('/clients/{id}/revoke', { params: { path: { id } } })));

// Deliveries move a subscription's cursors and failures without any change on the stream (web/src/lib/live.ts):
// while its page is open, the list and the attempts are read again every few seconds.
const DELIVERY_POLL_MS = 5000;

export function useWebhooks(limit: number, offset: number) {
  return useQuery({
    queryKey: ['webhooks', limit, offset],
    queryFn: () => ok(api.GET('/webhooks', { params: { query: { limit, offset } } })),
    placeholderData: keepPreviousData,
    refetchInterval: DELIVERY_POLL_MS,
  });
}

export function useWebhookAttempts(id: string | undefined, limit: number, offset: number) {
  return useQuery({
    queryKey: ['webhooks', id, 'attempts', limit, offset],
    queryFn: () => ok(api.GET('/webhooks/{id}/attempts', { params: { path: { id: id! }, query: { limit, offset } } })),
    enabled: !!id,
    placeholderData: keepPreviousData,
    refetchInterval: DELIVERY_POLL_MS,
  });
}

const webhooksKey = ['webhooks'];
export const useCreateWebhook = () =>
  useChange([webhooksKey], (body: NewWebhook) => ok(api.POST('/webhooks', { body })));
export const usePauseWebhook = () =>
  useChange([webhooksKey], (id: string) => ok(api.POST('/webhooks/{id}/pause', { params: { path: { id } } })));
export const useResumeWebhook = () =>
  useChange([webhooksKey], (id: string) => ok(api.POST('/webhooks/{id}/resume', { params: { path: { id } } })));
export const useReplayWebhook = () =>
  useChange([webhooksKey], ({ id, fromIndex }: { id: string; fromIndex: number }) =>
    ok(api.POST('/webhooks/{id}/replay', { params: { path: { id } }, body: { fromIndex } })),
  );
export const useDeleteWebhook = () =>
  useChange([webhooksKey], (id: string) => ok(api.DELETE('/webhooks/{id}', { params: { path: { id } } })));

/** A page of the directory log, newest first (page 1 holds the latest entries; the log answers oldest first). */
export function useDirectoryLog(subjectId: string | undefined, page: number, size: number) {
  return useQuery({
    queryKey: ['directory-log', subjectId, page, size],
    queryFn: async () => {
      const filter = subjectId ? { subjectId } : {};
      const { total } = await ok(api.GET('/directory/log', { params: { query: { ...filter, limit: 1, offset: 0 } } }));
      const end = total - (page - 1) * size;
      const offset = Math.max(0, end - size);
      if (end <= 0) return { items: [] as LogEntry[], total };
      const answer = await ok(
        api.GET('/directory/log', { params: { query: { ...filter, limit: end - offset, offset } } }),
      );
      return { items: answer.items.slice().reverse(), total };
    },
    placeholderData: keepPreviousData,
  });
}

export function useVerifyDirectoryLog() {
  return useMutation({ mutationFn: () => ok(api.GET('/directory/log/verify')) });
}
