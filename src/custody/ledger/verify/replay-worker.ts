import { parentPort, workerData } from 'node:worker_threads';
import { ShareReplay, type ShareSetup } from './share-replay';

/**
 * A worker thread of a parallel verification: replays its share of the items from every chunk of the
 * ledger's COPY stream, given their leaf hashes, and answers each chunk with the first event that does not fit.
 */
const replay = new ShareReplay(workerData as ShareSetup);

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A chunk of the events with their leaf hashes, a chunk of the items rows, or a question. */
export type ReplayMessage =
  { events: Uint8Array; leaves: Uint8Array } | { itemRows: Uint8Array } | 'items' | 'item rows';

parentPort!.on('message', (message: ReplayMessage) => {
  if (message === 'items') return parentPort!.postMessage(replay.items);
  if (message === 'item rows') return parentPort!.postMessage(replay.itemRows());
  if ('itemRows' in message) {
    replay.addItemRows(bufferOf(message.itemRows));
    return parentPort!.postMessage(null);
  }
  parentPort!.postMessage(replay.add(bufferOf(message.events), bufferOf(message.leaves)));
});
