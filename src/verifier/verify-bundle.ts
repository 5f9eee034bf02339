import { isCanonical, type Json } from '../custody/ledger/canonical-json';
import { equal, fromBase64, toBase64, toHex } from './bytes';
import { leafHash, rootFromInclusionProof } from './crypto';
import { NoteError, openNote, parseCheckpoint, verifyCosignature, type PublicKey } from './note';

export const BUNDLE_FORMAT = 'custody-proof-bundle/v1';

/**
 * Everything needed to check one item's history offline (the C2SP tlog-proof idea): its events as the exact
 * canonical JSON that was hashed, the signed checkpoint with its cosignatures, and the inclusion proof of
 * the item's latest event in that checkpoint's tree.
 */
export interface ProofBundle {
  format: typeof BUNDLE_FORMAT;
  itemId: string;
  itemCode: string;
  events: { index: number; canonical: string }[];
  checkpoint: string;
  inclusion: { index: number; treeSize: number; hashes: string[] };
}

export interface BundleCheck {
  ok: boolean;
  /** What was checked, in order, each with its outcome: a reader sees exactly where it stopped. */
  steps: { step: string; ok: boolean; detail: string }[];
  /** Each event that checked, with the leaf hash it was found to have (hex). */
  events: { index: number; leafHash: string }[];
  checkpoint?: { origin: string; size: number; root: string };
  /** The witnesses whose cosignature verified, with the time each cosigned (seconds since 1970). */
  cosignedBy: { name: string; time: number }[];
}

/**
 * Checks a proof bundle with nothing but the pinned public keys: canonical JSON → leaf hashes → the item's
 * chain → the inclusion proof of its latest event → the checkpoint's root → the log's signature and the
 * witnesses' cosignatures. Says precisely what failed. The same code runs in `npm run verify`, in the
 * server's history report, and in the browser (the console's verifier and its offline HTML file).
 */
export async function verifyBundle(
  bundle: ProofBundle,
  logKey: PublicKey,
  witnessKeys: PublicKey[] = [],
  minCosignatures = witnessKeys.length,
): Promise<BundleCheck> {
  const result: BundleCheck = { ok: false, steps: [], events: [], cosignedBy: [] };
  const pass = (step: string, detail: string) => result.steps.push({ step, ok: true, detail });
  const fail = (step: string, detail: string) => {
    result.steps.push({ step, ok: false, detail });
    return result;
  };

  if (bundle?.format !== BUNDLE_FORMAT || !Array.isArray(bundle.events) || bundle.events.length === 0) {
    return fail('format', `not a ${BUNDLE_FORMAT} bundle with events`);
  }
  let previous: Uint8Array | null = null;
  for (const [i, event] of bundle.events.entries()) {
    const where = `event ${i + 1} (global index ${event.index})`;
    let envelope: { itemId?: unknown; itemSeq?: unknown; prevItemHash?: unknown };
    try {
      envelope = JSON.parse(event.canonical) as typeof envelope;
    } catch {
      return fail('events', `${where} is not valid JSON`);
    }
    if (!isCanonical(envelope as Json, event.canonical))
      return fail('events', `${where} is not in RFC 8785 canonical form`);
    if (envelope.itemId !== bundle.itemId)
      return fail('events', `${where} belongs to item ${String(envelope.itemId)}, not ${bundle.itemId}`);
    if (envelope.itemSeq !== String(i + 1))
      return fail(
        'chain',
        `${where} has itemSeq ${String(envelope.itemSeq)} where ${i + 1} was expected: an event is missing or out of order`,
      );
    const expected = previous ? toHex(previous) : null;
    if (envelope.prevItemHash !== expected)
      return fail(
        'chain',
        `${where} does not chain to the event before it (prevItemHash differs): an event was changed, dropped or swapped`,
      );
    previous = await leafHash(event.canonical);
    result.events.push({ index: event.index, leafHash: toHex(previous) });
  }
  pass('events', `${bundle.events.length} events in canonical form, chained by itemSeq and prevItemHash`);

  let checkpoint: { origin: string; size: number; root: Uint8Array };
  try {
    checkpoint = parseCheckpoint(await openNote(bundle.checkpoint, logKey));
  } catch (err) {
    return fail('checkpoint signature', err instanceof NoteError ? err.message : String(err));
  }
  if (checkpoint.origin !== logKey.name)
    return fail('checkpoint signature', `the checkpoint is for log ${checkpoint.origin}, not ${logKey.name}`);
  result.checkpoint = { origin: checkpoint.origin, size: checkpoint.size, root: toBase64(checkpoint.root) };
  pass('checkpoint signature', `signed by ${logKey.name}: ${checkpoint.size} events`);

  const last = bundle.events.at(-1)!;
  const { inclusion } = bundle;
  if (inclusion?.index !== last.index)
    return fail('inclusion', `the proof is for index ${inclusion?.index}, not the latest event's ${last.index}`);
  if (inclusion.treeSize !== checkpoint.size)
    return fail('inclusion', `the proof is for a tree of ${inclusion.treeSize}, the checkpoint has ${checkpoint.size}`);
  if (last.index >= checkpoint.size) {
    return fail(
      'inclusion',
      `the checkpoint (${checkpoint.size} events) is older than the item's latest event (index ${last.index})`,
    );
  }
  let root: Uint8Array;
  try {
    root = await rootFromInclusionProof(last.index, checkpoint.size, previous!, inclusion.hashes.map(fromBase64));
  } catch (err) {
    return fail('inclusion', `the inclusion proof is malformed: ${(err as Error).message}`);
  }
  if (!equal(root, checkpoint.root))
    return fail(
      'inclusion',
      "the latest event's inclusion proof does not lead to the checkpoint's root: the history differs from the signed log",
    );
  pass('inclusion', `the latest event is leaf ${last.index} of the signed tree`);

  for (const witness of witnessKeys) {
    try {
      result.cosignedBy.push({ name: witness.name, time: await verifyCosignature(bundle.checkpoint, witness) });
    } catch (err) {
      result.steps.push({ step: 'cosignature', ok: false, detail: (err as Error).message });
    }
  }
  if (result.cosignedBy.length < minCosignatures) {
    return fail(
      'cosignatures',
      `${result.cosignedBy.length} of the required ${minCosignatures} witness cosignatures verify`,
    );
  }
  if (witnessKeys.length) pass('cosignatures', `cosigned by ${result.cosignedBy.map((w) => w.name).join(', ')}`);
  result.ok = true;
  return result;
}
