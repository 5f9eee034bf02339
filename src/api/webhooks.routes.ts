import { z } from 'zod';
import { Sealer } from '../interconnect/sealed';
import { WEBHOOK_EVENT_TYPES } from '../interconnect/webhooks/messages';
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  listAttempts,
  listSubscriptions,
  pauseSubscription,
  replaySubscription,
  resumeSubscription,
} from '../interconnect/webhooks/subscriptions';
import { pageOf, pageQuery, uuidParam } from './common.schemas';
import { agencyCode } from './directory.schemas';
import type { AppDeps } from './deps';
import type { Api } from './route';

const subscriptionSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  agencyCodes: z.array(z.string()).describe('the agencies whose items it covers: those they hold or have held'),
  status: z.enum(['active', 'paused']),
  pausedReason: z.string().nullable(),
  ledgerCursor: z.number().int().describe('the last ledger index delivered or passed over'),
  changeCursor: z.number().int().describe('the last change (of an alert or a request) delivered or passed over'),
  failures: z.number().int().describe('failed attempts of the next message'),
  failingSince: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
});

const attemptSchema = z.object({
  id: z.number().int(),
  messageId: z.string().describe('the webhook-id header: the same on every attempt of one message'),
  eventType: z.string(),
  attemptedAt: z.iso.datetime(),
  durationMs: z.number().int(),
  status: z.number().int().nullable().describe("the receiver's HTTP status; null when none came"),
  error: z.string().nullable(),
  response: z.string().nullable().describe("the first KiB of the receiver's answer"),
});

const newSubscriptionBody = z.strictObject({
  url: z.string().min(1).max(2000),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'must name at least one event type'),
  agencyCodes: z.array(agencyCode).min(1, 'must name at least one agency').max(200),
});

/** Webhook subscriptions, which administrators set up (src/interconnect/webhooks/). */
export function webhookRoutes(api: Api, { orm, tokens, config }: AppDeps): void {
  const sealer = new Sealer(tokens.secret);

  api.add({
    method: 'post',
    path: '/webhooks',
    summary:
      'Subscribe a receiver to ledger events (and alert.changed, request.changed) of the items of some agencies, from now on; the answer holds the signing secret (Standard Webhooks), shown this once',
    tag: 'webhooks',
    access: ['admin'],
    withoutIdempotencyKey: true,
    body: newSubscriptionBody,
    responses: {
      201: { description: 'subscribed', schema: subscriptionSchema.extend({ secret: z.string() }) },
    },
    handler: async ({ req, res, body, caller }) => {
      const { subscription, secret } = await createSubscription(orm.em, caller, body, {
        sealer,
        allowInternal: config.webhooks.allowInternal,
      });
      req.log.info({ subscription: subscription.id }, 'webhook subscription created');
      res
        .status(201)
        .location(`/api/v1/webhooks/${subscription.id}`)
        .json({ ...subscription, secret });
    },
  });

  api.add({
    method: 'get',
    path: '/webhooks',
    summary: 'List webhook subscriptions',
    tag: 'webhooks',
    access: ['admin'],
    query: pageQuery,
    responses: { 200: { description: 'a page of subscriptions', schema: pageOf(subscriptionSchema) } },
    handler: async ({ res, query }) => {
      res.json({ ...(await listSubscriptions(orm.em, query)), limit: query.limit, offset: query.offset });
    },
  });

  api.add({
    method: 'get',
    path: '/webhooks/{id}',
    summary: 'Read a webhook subscription',
    tag: 'webhooks',
    access: ['admin'],
    params: uuidParam,
    responses: { 200: { description: 'the subscription', schema: subscriptionSchema } },
    handler: async ({ res, params }) => {
      res.json(await findSubscription(orm.em, params.id));
    },
  });

  api.add({
    method: 'get',
    path: '/webhooks/{id}/attempts',
    summary: "A subscription's delivery attempts, newest first, with each answer",
    tag: 'webhooks',
    access: ['admin'],
    params: uuidParam,
    query: pageQuery,
    responses: { 200: { description: 'a page of attempts', schema: pageOf(attemptSchema) } },
    handler: async ({ res, params, query }) => {
      res.json({ ...(await listAttempts(orm.em, params.id, query)), limit: query.limit, offset: query.offset });
    },
  });

  const lifecycle = [
    ['pause', 'Pause a subscription: nothing is delivered until it is resumed', pauseSubscription],
    ['resume', 'Resume a subscription from its cursors, at once', resumeSubscription],
  ] as const;
  for (const [verb, summary, apply] of lifecycle) {
    api.add({
      method: 'post',
      path: `/webhooks/{id}/${verb}`,
      summary,
      tag: 'webhooks',
      access: ['admin'],
      params: uuidParam,
      responses: { 200: { description: 'the subscription', schema: subscriptionSchema } },
      handler: async ({ res, params, caller }) => {
        res.json(await apply(orm.em, caller, params.id));
      },
    });
  }

  api.add({
    method: 'post',
    path: '/webhooks/{id}/replay',
    summary: 'Deliver again every covered ledger event from an index on (each with its own webhook-id, as before)',
    tag: 'webhooks',
    access: ['admin'],
    params: uuidParam,
    body: z.strictObject({ fromIndex: z.number().int().min(0) }),
    responses: { 200: { description: 'the subscription', schema: subscriptionSchema } },
    handler: async ({ res, params, body, caller }) => {
      res.json(await replaySubscription(orm.em, caller, params.id, body.fromIndex));
    },
  });

  api.add({
    method: 'delete',
    path: '/webhooks/{id}',
    summary: 'Delete a subscription and its attempts',
    tag: 'webhooks',
    access: ['admin'],
    params: uuidParam,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ res, params, caller }) => {
      await deleteSubscription(orm.em, caller, params.id);
      res.status(204).end();
    },
  });
}
