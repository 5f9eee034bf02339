import { directoryLogPage, verifyDirectoryLog } from '../custody/directory/directory-log';
import { pageOf } from './common.schemas';
import { directoryLogEntrySchema, directoryLogQuery, directoryLogVerifySchema } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

// What administrators did is for inspectors to read; administrators may read it too, never change it.
const READERS = ['inspector', 'admin'] as const;

export function directoryLogRoutes(api: Api, { orm }: AppDeps): void {
  api.add({
    method: 'get',
    path: '/directory/log',
    summary: 'The directory log: every change to users, roles, agencies, locations and devices, oldest first',
    tag: 'directory',
    access: READERS,
    query: directoryLogQuery,
    responses: { 200: { description: 'a page of entries', schema: pageOf(directoryLogEntrySchema) } },
    handler: async ({ res, query }) => {
      const page = await directoryLogPage(orm.em, query);
      res.json({ ...page, limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/directory/log/verify',
    summary:
      "Recompute the directory log: every entry's canonical form and leaf hash, the hash chain, the numbering and the head's root",
    tag: 'directory',
    access: READERS,
    responses: {
      200: { description: 'the verification result (ok or the first failure)', schema: directoryLogVerifySchema },
    },
    handler: async ({ res }) => {
      res.json(await verifyDirectoryLog(orm.em));
    },
  });
}
