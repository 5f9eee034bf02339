import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors';
import type { Ack } from './messages';

export type Outcome = Omit<Ack, 'v' | 'msgId' | 'status'>;

/** The message was recorded before: its work is rolled back and the first answer given again. */
class AlreadyHandled extends Error {}

/**
 * Handles one device message exactly once: its id and answer are recorded in the same transaction as
 * whatever it changes, so a redelivered message gets the first answer and changes nothing. A refusal (an
 * AppError) changes nothing and is recorded on its own; any other failure leaves the message unanswered,
 * and the device sends it again. The record comes last, so that a message is one transaction of the work
 * itself and one insert; two copies handled at once meet at the record's unique key, and the second waits
 * for the first and is rolled back.
 */
export async function exactlyOnce(
  em: EntityManager,
  deviceId: string,
  topic: string,
  msgId: string,
  perform: (tx: EntityManager) => Promise<Outcome>,
): Promise<Ack> {
  const record = async (tx: EntityManager, ack: Ack) => {
    const inserted = await tx.execute<{ message_id: string }[]>(
      `insert into device_messages (device_id, message_id, topic, status, answer) values (?, ?, ?, ?, ?)
       on conflict do nothing returning message_id`,
      [deviceId, msgId, topic, ack.status, JSON.stringify(ack)],
    );
    if (inserted.length === 0) throw new AlreadyHandled();
    return ack;
  };
  try {
    try {
      return await em.transactional(async (tx) => record(tx, { v: 1, msgId, status: 'committed', ...(await perform(tx)) }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return await em.transactional((tx) => record(tx, { v: 1, msgId, status: 'rejected', reason: err.message }));
    }
  } catch (err) {
    if (!(err instanceof AlreadyHandled)) throw err;
    const [stored] = await em.execute<{ answer: Ack }[]>('select answer from device_messages where device_id = ? and message_id = ?', [deviceId, msgId]);
    return { ...stored!.answer, status: 'duplicate' };
  }
}
