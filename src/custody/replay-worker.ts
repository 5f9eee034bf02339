import { parentPort } from 'node:worker_threads';
import { ItemReplay } from './replay';
import type { ReplayBatch, ReplayReply } from './parallel-replay';

/**
 * A worker thread of ParallelItemReplay: replays the items it was given, batch after batch, and answers each
 * batch with the leaf hashes of its events up to the first that does not fit.
 */
const replay = new ItemReplay();
const HASH = 32;

parentPort!.on('message', (message: ReplayBatch | 'states') => {
  if (message === 'states') {
    parentPort!.postMessage([...replay.items]);
    return;
  }
  const { canonical, itemId, itemSeq, hasPrev } = message;
  const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const leafHash = asBuffer(message.leafHash);
  const prevItemHash = asBuffer(message.prevItemHash);
  // Its own ArrayBuffer, not a slice of Node's pool, since it is handed over to the main thread.
  const bytes = new ArrayBuffer(canonical.length * HASH);
  const leaves = Buffer.from(bytes);
  let failure: ReplayReply['failure'] = null;
  for (let i = 0; i < canonical.length; i++) {
    const at = i * HASH;
    const leaf = replay.add(canonical[i]!, {
      itemId: itemId[i]!,
      itemSeq: itemSeq[i]!,
      leafHash: leafHash.subarray(at, at + HASH),
      prevItemHash: hasPrev[i] ? prevItemHash.subarray(at, at + HASH) : null,
    });
    if (typeof leaf === 'string') {
      failure = { at: i, reason: leaf };
      break;
    }
    leaf.copy(leaves, at);
  }
  const reply: ReplayReply = { leaves, failure };
  parentPort!.postMessage(reply, [bytes]);
});
