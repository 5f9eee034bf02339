import type { EntityManager } from '@mikro-orm/postgresql';
import type { Placed, Receipt, ReceiptBook } from '../custody/items/group-commit';
import { arrayLiteral, type Sql } from '../custody/sql';
import { AppError } from '../errors';
import type { Ack } from './messages';

/**
 * What handling a message gives its answer. `status: 'rejected'` is a refusal whose record must stay (an
 * alert about a replayed command, a counted wrong code): it commits like any other outcome.
 */
export type Outcome = Omit<Ack, 'v' | 'msgId' | 'status'> & { status?: 'rejected' };

/** The answer a message got when it was first handled, or null. */
export async function recordedAnswer(sql: Sql, deviceId: string, msgId: string): Promise<Ack | null> {
  const receipt = new MessageReceipt(deviceId, '', msgId, () => ({}));
  return ((await deviceMessages.recorded(sql, [receipt])).get(receipt) as Ack | undefined) ?? null;
}

/** A message handled before, answered again as the duplicate it is. */
export const duplicateOf = (first: Ack): Ack => ({ ...first, status: 'duplicate' });

/**
 * Handles one device message exactly once, in a transaction of its own: its id and answer are recorded
 * by the receipt book of the group commit (deviceMessages) in the same transaction as whatever it
 * changes, so a redelivered message gets the first answer and changes nothing. A refusal (an AppError)
 * changes nothing and is recorded on its own; any other failure leaves the message unanswered, and the
 * device sends it again. The record comes last, so that a message is one transaction of the work itself
 * and one insert; two copies handled at once meet at the record's unique key, and the second waits for
 * the first and is rolled back.
 *
 * `report` keeps what the message tells of the device itself (a door that opened), in the same transaction,
 * whether the work the message asks for is done or refused. It MUST NOT throw an AppError.
 */
export async function exactlyOnce(
  em: EntityManager,
  deviceId: string,
  topic: string,
  msgId: string,
  perform: (tx: EntityManager) => Promise<Outcome>,
  report?: (tx: EntityManager) => Promise<unknown>,
): Promise<Ack> {
  const receipt = new MessageReceipt(deviceId, topic, msgId, () => ({}));
  const record = async (tx: EntityManager, ack: Ack) => {
    await deviceMessages.record(tx, [[receipt, ack]]);
    return ack;
  };
  try {
    try {
      return await em.transactional(async (tx) => {
        await report?.(tx);
        return record(tx, { v: 1, msgId, status: 'committed', ...(await perform(tx)) });
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return await em.transactional(async (tx) => {
        await report?.(tx);
        return record(tx, receipt.answer(err));
      });
    }
  } catch (err) {
    if (!deviceMessages.taken(err)) throw err;
    return duplicateOf((await recordedAnswer(em, deviceId, msgId))!);
  }
}

/** A device message as a group commit's receipt: recorded with the answer its command's outcome gives. */
export class MessageReceipt implements Receipt {
  constructor(
    readonly deviceId: string,
    readonly topic: string,
    readonly msgId: string,
    private readonly committed: (placed: Placed) => Outcome,
  ) {}

  answer(outcome: Placed | AppError): Ack {
    return outcome instanceof AppError
      ? { v: 1, msgId: this.msgId, status: 'rejected', reason: outcome.message }
      : { v: 1, msgId: this.msgId, status: 'committed', ...this.committed(outcome) };
  }
}

const asMessages = (receipts: Receipt[]) => receipts as MessageReceipt[];

/**
 * The device_messages table as the group commit's receipt book. Two copies of one message in flight on
 * two instances at once meet at its primary key: the second waits for the first to commit, its batch is
 * rolled back, and the message, run again, is answered as a duplicate.
 */
export const deviceMessages: ReceiptBook = {
  async recorded(sql: Sql, receipts: Receipt[]) {
    const messages = asMessages(receipts);
    const rows = await sql.execute<{ device_id: string; message_id: string; answer: Ack }[]>(
      `select m.device_id, m.message_id, m.answer
         from device_messages m join unnest(?::uuid[], ?::text[]) as r (device_id, message_id) using (device_id, message_id)`,
      [arrayLiteral(messages.map((m) => m.deviceId)), arrayLiteral(messages.map((m) => m.msgId))],
    );
    const answers = new Map(rows.map((row) => [`${row.device_id} ${row.message_id}`, row.answer]));
    return new Map(
      messages
        .filter((m) => answers.has(`${m.deviceId} ${m.msgId}`))
        .map((m) => [m, answers.get(`${m.deviceId} ${m.msgId}`)]),
    );
  },
  async record(sql: Sql, answered: (readonly [Receipt, unknown])[]) {
    const column = (value: (message: MessageReceipt, ack: Ack) => string) =>
      arrayLiteral(answered.map(([m, ack]) => value(m as MessageReceipt, ack as Ack)));
    await sql.execute(
      `insert into device_messages (device_id, message_id, topic, status, answer)
       select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[])`,
      [
        column((m) => m.deviceId),
        column((m) => m.msgId),
        column((m) => m.topic),
        column((_, ack) => ack.status),
        column((_, ack) => JSON.stringify(ack)),
      ],
    );
  },
  taken(err: unknown) {
    const e = err as { code?: string; table?: string };
    return e?.code === '23505' && e.table === 'device_messages';
  },
};
