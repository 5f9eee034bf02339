import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import {
  addCosignature,
  checkpointCovering,
  latestCheckpoint,
  listCheckpoints,
  signCheckpoint,
  type Checkpoint,
} from '../custody/ledger/checkpoints';
import { findItemView } from '../custody/items/item-queries';
import { consistencyProof, frontierRanges, inclusionProof } from '../custody/ledger/merkle';
import { formatVerifierKey } from '../custody/ledger/note';
import { buildProofBundle } from '../custody/ledger/proof-bundle';
import { historyReader } from '../custody/ledger/history-reader';
import { ledgerRangeRoots } from '../custody/ledger/tree-store';
import { pooledSql } from '../custody/sql';
import { NotFoundError, UnprocessableError } from '../errors';
import { recordReportAccess } from '../reports/report-access';
import { itemCodeParam } from './custody.schemas';
import { laggingReads, type AppDeps } from './deps';
import type { Api } from './route';

const checkpointSchema = z.object({
  size: z.number().int(),
  root: z.string(),
  note: z.string(),
  createdAt: z.iso.datetime(),
});
const present = (c: Checkpoint) => ({
  size: c.size,
  root: c.root.toString('base64'),
  note: c.note,
  createdAt: c.createdAt,
});
const hashes = (list: Buffer[]) => list.map((h) => h.toString('base64'));

async function treeSize(em: EntityManager): Promise<number> {
  const [head] = await em.execute<{ size: string }[]>('select size from ledger_head');
  return Number(head!.size);
}

/**
 * What lets outsiders check the ledger without trusting the server: the public key, signed checkpoints,
 * proofs, cosignatures from witnesses. Checkpoints and proofs are public (hashes and sizes only, as in
 * Certificate Transparency); the events themselves need a token. What they read comes from the replica, when
 * there is one, all of it from the same one: a checkpoint and the proofs against it then agree, if a little
 * behind the primary; signing and cosigning write to the primary.
 */
export function transparencyRoutes(api: Api, deps: AppDeps): void {
  const { orm, ledger } = deps;
  const replica = () => laggingReads(deps);
  // Proofs are public and many: read on a bare connection of the replica's pool, their statement prepared.
  const replicaTree = () => ledgerRangeRoots(pooledSql(deps.readOrm ?? orm));
  api.add({
    method: 'get',
    path: '/ledger/key',
    summary: "The log's public key (C2SP vkey) and origin, to pin in verifiers and witnesses (public)",
    tag: 'ledger',
    access: 'public',
    responses: {
      200: {
        description: 'the key',
        schema: z.object({
          origin: z.string(),
          keyId: z.string(),
          publicKey: z.string(),
          verifierKey: z.string(),
          witnesses: z.array(z.string()).describe("the witnesses' cosigner keys (C2SP vkey)"),
        }),
      },
    },
    handler: async ({ res }) => {
      const { signer } = ledger;
      res.json({
        origin: signer.name,
        keyId: signer.keyId.toString('hex'),
        publicKey: signer.publicKey.toString('base64'),
        verifierKey: formatVerifierKey(signer),
        witnesses: ledger.witnesses.map(formatVerifierKey),
      });
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/checkpoint',
    summary: 'The latest signed checkpoint with its cosignatures (public)',
    tag: 'ledger',
    access: 'public',
    responses: { 200: { description: 'the checkpoint', schema: checkpointSchema } },
    handler: async ({ res }) => {
      const latest = await latestCheckpoint(replica());
      if (!latest) throw new NotFoundError('no checkpoint has been signed yet: the ledger is empty');
      res.json(present(latest));
    },
  });

  api.add({
    method: 'post',
    path: '/ledger/checkpoint',
    summary: 'Sign a checkpoint now, if the log has grown since the last one',
    tag: 'ledger',
    access: ['inspector', 'admin'],
    responses: { 200: { description: 'the latest checkpoint', schema: checkpointSchema } },
    handler: async ({ res }) => {
      const latest = await signCheckpoint(orm.em, ledger);
      if (!latest) throw new NotFoundError('the ledger is empty: there is nothing to sign');
      res.json(present(latest));
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/checkpoints',
    summary:
      'With ?size=, the checkpoint of that size or the smallest covering it; without, every checkpoint in order (public)',
    tag: 'ledger',
    access: 'public',
    query: z.object({
      size: z.coerce.number().int().min(1).optional(),
      after: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(1000),
    }),
    responses: {
      200: {
        description: 'the checkpoint, or a page of checkpoints',
        schema: z.union([checkpointSchema, z.object({ items: z.array(checkpointSchema) })]),
      },
    },
    handler: async ({ res, query }) => {
      if (query.size !== undefined) {
        res.json(present(await checkpointCovering(replica(), query.size)));
        return;
      }
      res.json({ items: (await listCheckpoints(replica(), query.after, query.limit)).map(present) });
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/proof/consistency',
    summary: 'Consistency proof between two tree sizes (public)',
    tag: 'ledger',
    access: 'public',
    query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
    responses: {
      200: {
        description: 'the proof',
        schema: z.object({ from: z.number(), to: z.number(), hashes: z.array(z.string()) }),
      },
    },
    handler: async ({ res, query }) => {
      if (query.from > query.to || query.to > (await treeSize(replica()))) {
        throw new UnprocessableError(`sizes must satisfy 1 ≤ from ≤ to ≤ the tree size`);
      }
      res.json({
        from: query.from,
        to: query.to,
        hashes: hashes(await consistencyProof(replicaTree(), query.from, query.to)),
      });
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/proof/inclusion',
    summary: 'Inclusion proof of the event at a global index in a tree of a given size (public)',
    tag: 'ledger',
    access: 'public',
    query: z.object({ index: z.coerce.number().int().min(0), size: z.coerce.number().int().min(1) }),
    responses: {
      200: {
        description: 'the proof',
        schema: z.object({ index: z.number(), size: z.number(), hashes: z.array(z.string()) }),
      },
    },
    handler: async ({ res, query }) => {
      if (query.index >= query.size || query.size > (await treeSize(replica()))) {
        throw new UnprocessableError('index must be below size, and size at most the tree size');
      }
      res.json({
        index: query.index,
        size: query.size,
        hashes: hashes(await inclusionProof(replicaTree(), query.size, query.index)),
      });
    },
  });

  api.add({
    method: 'post',
    path: '/ledger/cosignatures',
    summary:
      "A witness's cosignature of a checkpoint; authenticated by the signature itself, against the configured witness keys",
    tag: 'ledger',
    access: 'public',
    body: z.strictObject({ size: z.number().int().min(1), line: z.string().min(10).max(400) }),
    responses: { 201: { description: 'the checkpoint with the cosignature', schema: checkpointSchema } },
    handler: async ({ res, body }) => {
      res.status(201).json(present(await addCosignature(orm.em, ledger.witnesses, body.size, body.line)));
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/events',
    summary: 'The whole ledger in order, as canonical JSON, for `custody verify --all`',
    tag: 'ledger',
    access: ['inspector', 'admin'],
    query: z.object({
      after: z.coerce.number().int().min(-1).default(-1),
      limit: z.coerce.number().int().min(1).max(10_000).default(5000),
      item: z.uuid().optional().describe("only this item's events (by its id), for `verify --all --since`"),
      before: z.coerce.number().int().min(0).optional().describe('only the events below this index'),
    }),
    responses: {
      200: {
        description: 'a page of events',
        schema: z.object({ events: z.array(z.object({ index: z.number(), canonical: z.string() })) }),
      },
    },
    handler: async ({ res, query }) => {
      const rows = await replica().execute<{ idx: string; canonical: string }[]>(
        `select idx, canonical from ledger_events
          where idx > ? and (?::bigint is null or idx < ?) and (?::uuid is null or item_id = ?)
          order by idx limit ?`,
        [query.after, query.before ?? null, query.before ?? null, query.item ?? null, query.item ?? null, query.limit],
      );
      res.json({ events: rows.map((r) => ({ index: Number(r.idx), canonical: r.canonical })) });
    },
  });

  api.add({
    method: 'get',
    path: '/ledger/frontier',
    summary:
      'The roots of the perfect subtrees that make up the first `size` leaves, largest first (public): with the checkpoint of that size, where `verify --all --since` starts',
    tag: 'ledger',
    access: 'public',
    query: z.object({ size: z.coerce.number().int().min(1) }),
    responses: {
      200: {
        description: 'the frontier; its hashes fold to the root of the tree of that size',
        schema: z.object({ size: z.number(), hashes: z.array(z.string()) }),
      },
    },
    handler: async ({ res, query }) => {
      if (query.size > (await treeSize(replica()))) throw new UnprocessableError('size must be at most the tree size');
      res.json({ size: query.size, hashes: hashes(await ledgerRangeRoots(replica())(frontierRanges(query.size))) });
    },
  });

  api.add({
    method: 'get',
    path: '/items/{code}/proof',
    summary:
      "A self-contained proof bundle of the item's history: events, signed checkpoint, inclusion proof; each read is recorded in its report-access log",
    tag: 'ledger',
    access: 'authenticated',
    params: itemCodeParam,
    responses: { 200: { description: 'the bundle (check it with `npm run verify -- bundle.json`)' } },
    handler: async ({ res, params, caller }) => {
      const item = await findItemView(orm.em, caller, params.code);
      await recordReportAccess(orm.em, caller, { kind: 'proof', format: 'json', itemId: item.id });
      res.setHeader('Content-Disposition', `attachment; filename="proof-${item.code}.json"`);
      res.json(await buildProofBundle(await historyReader(orm.em, replica(), item), item, ledger));
    },
  });
}
