import { parentPort } from 'node:worker_threads';
import { ShareReplay, type ShareSetup } from './share-replay';

/**
 * A worker thread of a parallel verification: replays its share of the items from every chunk of the
 * ledger's COPY stream, given their leaf hashes, and answers each chunk with the first event that does not
 * fit. Kept between verifications (replay-workers.ts), it starts each with `setup` and forgets it at `reset`.
 */
let replay: ShareReplay | null = null;

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A verification's start or end, a chunk of the events with their leaf hashes, a chunk of the items rows, or a question. */
export type ReplayMessage =
  | { setup: ShareSetup }
  | 'reset'
  | { events: Uint8Array; leaves: Uint8Array }
  | { itemRows: Uint8Array }
  | 'items'
  | 'item rows';

parentPort!.on('message', (message: ReplayMessage) => {
  if (message === 'reset') {
    replay = null;
    return parentPort!.postMessage(null);
  }
  if (typeof message === 'object' && 'setup' in message) {
    replay = new ShareReplay(message.setup);
    return parentPort!.postMessage(null);
  }
  if (!replay) throw new Error('a verification worker was asked before it was set up');
  if (message === 'items') return parentPort!.postMessage(replay.items);
  if (message === 'item rows') return parentPort!.postMessage(replay.itemRows());
  if ('itemRows' in message) {
    replay.addItemRows(bufferOf(message.itemRows));
    return parentPort!.postMessage(null);
  }
  parentPort!.postMessage(replay.add(bufferOf(message.events), bufferOf(message.leaves)));
});
