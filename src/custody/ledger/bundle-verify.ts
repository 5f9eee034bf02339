import { isCanonical, type Json } from './canonical-json';
import type { Envelope } from './events';
import { leafHash, rootFromInclusionProof } from './merkle';
import { NoteError, openNote, parseCheckpoint, verifyCosignature, type VerifierKey } from './note';
import { BUNDLE_FORMAT, type ProofBundle } from './proof-bundle';

export interface BundleCheck {
  ok: boolean;
  /** What was checked, in order, each with its outcome: a reader sees exactly where it stopped. */
  steps: { step: string; ok: boolean; detail: string }[];
  checkpoint?: { origin: string; size: number; root: string };
  cosignedBy: string[];
}

/**
 * Checks a proof bundle with nothing but the pinned public keys: canonical JSON → leaf hashes → the item's
 * chain → the inclusion proof of its latest event → the checkpoint's root → the log's signature and the
 * witnesses' cosignatures. Says precisely what failed.
 */
export function verifyBundle(
  bundle: ProofBundle,
  logKey: VerifierKey,
  witnessKeys: VerifierKey[] = [],
  minCosignatures = witnessKeys.length,
): BundleCheck {
  const result: BundleCheck = { ok: false, steps: [], cosignedBy: [] };
  const pass = (step: string, detail: string) => result.steps.push({ step, ok: true, detail });
  const fail = (step: string, detail: string) => {
    result.steps.push({ step, ok: false, detail });
    return result;
  };

  if (bundle?.format !== BUNDLE_FORMAT || !Array.isArray(bundle.events) || bundle.events.length === 0) {
    return fail('format', `not a ${BUNDLE_FORMAT} bundle with events`);
  }
  let previous: Buffer | null = null;
  for (const [i, event] of bundle.events.entries()) {
    const where = `event ${i + 1} (global index ${event.index})`;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(event.canonical) as Envelope;
    } catch {
      return fail('events', `${where} is not valid JSON`);
    }
    if (!isCanonical(envelope as unknown as Json, event.canonical))
      return fail('events', `${where} is not in RFC 8785 canonical form`);
    if (envelope.itemId !== bundle.itemId)
      return fail('events', `${where} belongs to item ${envelope.itemId}, not ${bundle.itemId}`);
    if (envelope.itemSeq !== String(i + 1))
      return fail(
        'chain',
        `${where} has itemSeq ${envelope.itemSeq} where ${i + 1} was expected: an event is missing or out of order`,
      );
    const expected = previous?.toString('hex') ?? null;
    if (envelope.prevItemHash !== expected)
      return fail(
        'chain',
        `${where} does not chain to the event before it (prevItemHash differs): an event was changed, dropped or swapped`,
      );
    previous = leafHash(event.canonical);
  }
  pass('events', `${bundle.events.length} events in canonical form, chained by itemSeq and prevItemHash`);

  let checkpoint: { origin: string; size: number; root: Buffer };
  try {
    checkpoint = parseCheckpoint(openNote(bundle.checkpoint, logKey));
  } catch (err) {
    return fail('checkpoint signature', err instanceof NoteError ? err.message : String(err));
  }
  if (checkpoint.origin !== logKey.name)
    return fail('checkpoint signature', `the checkpoint is for log ${checkpoint.origin}, not ${logKey.name}`);
  result.checkpoint = { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root.toString('base64') };
  pass('checkpoint signature', `signed by ${logKey.name}: ${checkpoint.size} events`);

  const last = bundle.events.at(-1)!;
  const { inclusion } = bundle;
  if (inclusion.index !== last.index)
    return fail('inclusion', `the proof is for index ${inclusion.index}, not the latest event's ${last.index}`);
  if (inclusion.treeSize !== checkpoint.size)
    return fail('inclusion', `the proof is for a tree of ${inclusion.treeSize}, the checkpoint has ${checkpoint.size}`);
  if (last.index >= checkpoint.size) {
    return fail(
      'inclusion',
      `the checkpoint (${checkpoint.size} events) is older than the item's latest event (index ${last.index})`,
    );
  }
  let root: Buffer;
  try {
    root = rootFromInclusionProof(
      last.index,
      checkpoint.size,
      previous!,
      inclusion.hashes.map((h) => Buffer.from(h, 'base64')),
    );
  } catch (err) {
    return fail('inclusion', `the inclusion proof is malformed: ${(err as Error).message}`);
  }
  if (!root.equals(checkpoint.root))
    return fail(
      'inclusion',
      "the latest event's inclusion proof does not lead to the checkpoint's root: the history differs from the signed log",
    );
  pass('inclusion', `the latest event is leaf ${last.index} of the signed tree`);

  for (const witness of witnessKeys) {
    try {
      verifyCosignature(bundle.checkpoint, witness);
      result.cosignedBy.push(witness.name);
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
  if (witnessKeys.length) pass('cosignatures', `cosigned by ${result.cosignedBy.join(', ')}`);
  result.ok = true;
  return result;
}
