import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors';
import type { Ack } from './messages';

export type Outcome = Omit<Ack, 'v' | 'msgId' | 'status'>;

/**
 * Handles one device message exactly once: its id is recorded in the same transaction as whatever it
 * changes, so a redelivered message gets the first answer and changes nothing. A refusal (an AppError) is
 * answered with its reason and changes nothing (its savepoint is rolled back); any other failure leaves
 * the message unanswered, and the device sends it again.
 */
export async function exactlyOnce(
  em: EntityManager,
  deviceId: string,
  topic: string,
  msgId: string,
  perform: (tx: EntityManager) => Promise<Outcome>,
): Promise<Ack> {
  return em.transactional(async (tx) => {
    const inserted = await tx.execute<{ message_id: string }[]>(
      `insert into device_messages (device_id, message_id, topic, status, answer) values (?, ?, ?, 'rejected', '{}')
       on conflict do nothing returning message_id`,
      [deviceId, msgId, topic],
    );
    if (inserted.length === 0) {
      const [stored] = await tx.execute<{ answer: Ack }[]>('select answer from device_messages where device_id = ? and message_id = ?', [deviceId, msgId]);
      return { ...stored!.answer, status: 'duplicate' };
    }
    let ack: Ack;
    try {
      ack = { v: 1, msgId, status: 'committed', ...(await tx.transactional((inner) => perform(inner))) };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ack = { v: 1, msgId, status: 'rejected', reason: err.message };
    }
    await tx.execute('update device_messages set status = ?, answer = ? where device_id = ? and message_id = ?', [ack.status, JSON.stringify(ack), deviceId, msgId]);
    return ack;
  });
}
