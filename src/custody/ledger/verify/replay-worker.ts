import { parentPort, workerData } from 'node:worker_threads';
import { packShareOutcome, ShareReplay, type Share } from './share-replay';

/**
 * A worker thread of a parallel verification: replays its share of the items from every chunk of the
 * ledger's COPY stream, and answers each chunk with its events' leaf hashes up to the first that does not fit.
 */
const replay = new ShareReplay(workerData as Share);

parentPort!.on('message', (message: Uint8Array | 'states') => {
  if (message === 'states') {
    parentPort!.postMessage([...replay.replay.items]);
    return;
  }
  const outcome = packShareOutcome(replay.add(Buffer.from(message.buffer, message.byteOffset, message.byteLength)));
  parentPort!.postMessage(outcome, [outcome.places.buffer as ArrayBuffer, outcome.leaves.buffer as ArrayBuffer]);
});
