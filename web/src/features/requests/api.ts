import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../lib/api';
import type { Answer, BodyOf } from '../../lib/api-shapes';
import { DISPOSAL_METHODS, LOAN_PURPOSES } from '../../../../src/custody/items/request-kinds';

export type CustodyRequest = Answer<'getRequests'>['items'][number];
export type RequestKind = CustodyRequest['kind'];
export type RequestStatus = CustodyRequest['status'];
export type NewRequest = BodyOf<'postRequests'>;

export { DISPOSAL_METHODS, LOAN_PURPOSES };

/** The kinds an officer or clerk files from the console (corrections are filed from an event). */
export const FILED_KINDS = ['loan', 'transfer', 'disposal'] as const satisfies readonly RequestKind[];
// The states in the order a request goes through them, for the filter.
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'requested',
  'approved',
  'rejected',
  'refused',
  'carried_out',
  'cancelled',
];

export interface RequestListQuery {
  kind?: RequestKind;
  status?: RequestStatus;
  item?: string;
  /** Those the user's agency decides, or the transfers offered to it. */
  side?: 'deciding' | 'receiving';
  limit: number;
  offset: number;
}

export function useRequests(query: RequestListQuery) {
  return useQuery({
    queryKey: ['requests', query],
    queryFn: () => ok(api.GET('/requests', { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

// A request adds a request_created event to each of its items: their pages and lists are read again.
function useInvalidateAfterRequest() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([['requests'], ['item'], ['items']].map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

/**
 * Files a request. A second press after a dropped answer sends the same Idempotency-Key, so the server answers
 * with the first request instead of filing two.
 */
export function useFileRequest() {
  const invalidate = useInvalidateAfterRequest();
  return useMutation({
    mutationFn: ({ body, key }: { body: NewRequest; key: string }) =>
      ok(api.POST('/requests', { params: { header: { 'Idempotency-Key': key } }, body })),
    onSuccess: invalidate,
  });
}

export function useCancelRequest() {
  const invalidate = useInvalidateAfterRequest();
  return useMutation({
    mutationFn: ({ id, note }: { id: string; note: string }) =>
      ok(api.POST('/requests/{id}/cancel', { params: { path: { id } }, body: { note } })),
    onSuccess: invalidate,
  });
}

/** An item named by a request, as GET /items/{code} answers (its hold is in the projection it sends whole). */
export type RequestItem = Answer<'getItemsCode'> & { legalHold?: boolean; holdReason?: string | null };

/** The items a request names, each read on its own: a request names a few, and a receiving agency may read
 * the items offered to it before it holds them. */
export function useRequestItems(codes: string[]) {
  return useQueries({
    queries: codes.map((code) => ({
      queryKey: ['item', code],
      queryFn: async () => (await ok(api.GET('/items/{code}', { params: { path: { code } } }))) as RequestItem,
    })),
  });
}

export type Decision = 'approve' | 'reject' | 'accept' | 'refuse';
/** Rejecting or refusing says why; approving or accepting may add a note. */
export const NOTE_REQUIRED: Record<Decision, boolean> = { approve: false, reject: true, accept: false, refuse: true };

function decide(id: string, decision: Decision, note: string | undefined) {
  const path = { path: { id } };
  switch (decision) {
    case 'approve':
      return ok(api.POST('/requests/{id}/approve', { params: path, body: { note } }));
    case 'accept':
      return ok(api.POST('/requests/{id}/accept', { params: path, body: { note } }));
    case 'reject':
      return ok(api.POST('/requests/{id}/reject', { params: path, body: { note: note ?? '' } }));
    case 'refuse':
      return ok(api.POST('/requests/{id}/refuse', { params: path, body: { note: note ?? '' } }));
  }
}

/** An approver's decision on a request of the agency, or the receiving agency's answer to a transfer. */
export function useDecide() {
  const invalidate = useInvalidateAfterRequest();
  return useMutation({
    mutationFn: ({ id, decision, note }: { id: string; decision: Decision; note?: string }) =>
      decide(id, decision, note),
    onSuccess: invalidate,
  });
}
