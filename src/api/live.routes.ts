import { z } from 'zod';
import { UnavailableError, ValidationError } from '../errors';
import { CHANGE_TOPICS } from '../live/change-feed';
import { ChangeStream } from '../live/stream';
import { waitingFor } from '../live/waiting';
import type { AppDeps } from './deps';
import type { Api } from './route';

const eventId = /^\d{1,18}$/;

const streamQuery = z.strictObject({
  after: z
    .string()
    .regex(eventId, 'an event id the stream sent (digits)')
    .optional()
    .describe('Resume after this event id, as the Last-Event-ID header does (which wins when both are given)'),
});

const count = z.number().int().nullable();
const waitingSchema = z
  .object({
    decisions: count.describe('requests of your agency waiting for your decision (approvers)'),
    transfers: count.describe('transfers offered to your agency, waiting for its answer'),
    overdueLoans: count.describe('items on loan past their due date that you may see'),
    dueReviews: count.describe('items due for their disposal review'),
    alerts: count.describe('open alerts that you may see'),
  })
  .describe('What waits for you, by list; null for a list that is not yours to work through');

export function liveRoutes(api: Api, { orm, changes, callers }: AppDeps & Required<Pick<AppDeps, 'callers'>>): void {
  api.add({
    method: 'get',
    path: '/changes/stream',
    summary: `What changes, as it commits, as Server-Sent Events: \`change\` (its id, then {topic, …}; topics ${CHANGE_TOPICS.join(', ')}), filtered to what you may see; \`ready\` once listening; \`reset\` when what was missed since Last-Event-ID is no longer kept (read afresh); \`end\` ({reason}) before it closes, e.g. when the session is signed out`,
    tag: 'live',
    access: 'authenticated',
    query: streamQuery,
    responses: { 200: { description: 'an event stream', contentType: 'text/event-stream' } },
    handler: async ({ req, res, query }) => {
      const header = req.headers['last-event-id'];
      if (header !== undefined && (typeof header !== 'string' || !eventId.test(header))) {
        throw new ValidationError('Last-Event-ID must be an event id the stream sent (digits)', [
          { in: 'header', field: 'Last-Event-ID', detail: 'digits expected' },
        ]);
      }
      if (!changes?.listening) {
        throw new UnavailableError(
          'live changes are not available right now; the page still works, reload it to see changes',
        );
      }
      await new ChangeStream(req, res, changes, callers).run(header ?? query.after);
    },
  });

  api.add({
    method: 'get',
    path: '/me/waiting',
    summary: 'What waits for you: decisions, transfers to accept, overdue loans, due reviews, open alerts',
    tag: 'live',
    access: 'authenticated',
    responses: { 200: { description: 'the counts', schema: waitingSchema } },
    handler: async ({ res, caller }) => {
      res.json(await waitingFor(orm.em, caller));
    },
  });
}
