import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok } from '../../../lib/api';
import type { Answer, BodyOf } from '../../../lib/api-shapes';

export type NewItem = BodyOf<'postCasesIdItems'>['items'][number];
export type RegisteredItem = Answer<'postCasesIdItems', 201>['items'][number];

/** The case the items go in (the same key as the case page's, so either fills the other's cache). */
export function useCaseOf(id: string) {
  return useQuery({
    queryKey: ['cases', id],
    queryFn: () => ok(api.GET('/cases/{id}', { params: { path: { id } } })),
  });
}

/**
 * Registers the items in one request. A retry of the same submission (a dropped answer) sends the same
 * Idempotency-Key, so the server answers with the first registration instead of registering the items twice.
 */
export function useRegisterItems(caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ items, key }: { items: NewItem[]; key: string }) =>
      ok(
        api.POST('/cases/{id}/items', {
          params: { path: { id: caseId }, header: { 'Idempotency-Key': key } },
          body: { items },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      void queryClient.invalidateQueries({ queryKey: ['cases'] });
    },
  });
}

/** Stores one photograph as an attachment of a registered item: the image's bytes as the body, its own type. */
export async function uploadPhoto(code: string, photo: { blob: Blob; name: string }) {
  return ok(
    api.POST('/items/{code}/attachments', {
      params: { path: { code }, query: { filename: photo.name.slice(0, 200) } },
      body: photo.blob as never,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { 'Content-Type': photo.blob.type },
    }),
  );
}
