import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { AppError } from '../../errors';
import { canSeeItem, notFound } from './access';
import type { Caller } from '../directory/caller';
import { carriedOut, currentCommandKey, type CommandKey } from './command-keys';
import { itemNames, type ItemView } from './item-queries';
import { appendEvents, lockItems, type AppendedEvent, type EventDraft } from '../ledger/append';
import { checkPlace, lockCapacities, readPlaceChains, takeRoom, type Place } from '../directory/locations';
import { photographedItems, type Placement } from './movements';
import { pgSql, sendTogether, withPgConnection, type Sql } from '../sql';

/** A placement's outcome: its event and the item as it now is. */
export interface Placed {
  event: AppendedEvent;
  item: ItemView;
}

/**
 * What is recorded with a command's outcome, in its transaction and at most once: a device message with
 * the answer it got, so that the message redelivered gets that answer again and changes nothing.
 */
export interface Receipt {
  answer(outcome: Placed | AppError): unknown;
}

/** Where receipts are kept (the devices module's message table). */
export interface ReceiptBook {
  /** The answers recorded before for any of `receipts`. */
  recorded(sql: Sql, receipts: Receipt[]): Promise<Map<Receipt, unknown>>;
  /**
   * Records each receipt with its answer; fails when one was recorded meanwhile by another transaction
   * (the same message handled by another instance at the same moment), which has committed by then.
   */
  record(sql: Sql, answered: (readonly [Receipt, unknown])[]): Promise<void>;
  /** Whether `err` is that failure: a receipt recorded by another transaction. */
  taken(err: unknown): boolean;
}

/** A receipt of the batch was recorded by another transaction while the batch ran. */
class ReceiptTaken extends Error {}

/** The command's receipt was recorded before: nothing was done, and this is the answer it got then. */
export class AlreadyRecorded extends Error {
  constructor(readonly answer: unknown) {
    super('already recorded');
  }
}

type Outcome = Placed | AppError | AlreadyRecorded;

interface Pending {
  caller: Caller;
  placement: Placement;
  receipt: Receipt | undefined;
  key: CommandKey | undefined;
  /** After its batch failed as a whole, a command runs again in a batch of its own. */
  alone: boolean;
  /** Whether it ran again because its receipt was taken; it does so once. */
  retried: boolean;
  resolve(placed: Placed): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 64;

/**
 * Group commit for placements (check-in and move through the API, check-in scans at a station), the
 * commands a busy intake day is made of. Commands that arrive while a transaction is running wait for it
 * and then go together in the next one: their items are locked in one statement, their places read in
 * one, their events appended in one, their receipts and Idempotency-Keys recorded, and they commit
 * together. A command refused by a rule is left out and answered with its refusal; the others go on.
 *
 * Why: the ledger's head row is held from the append to COMMIT, so commands commit one after another
 * whatever the number of clients, and a transaction's BEGIN, COMMIT and round trips cost the API process
 * more CPU than its statements. Batching pays them once per batch instead of once per command. The
 * transaction runs on a bare `pg` connection borrowed from the ORM's pool: no ORM or knex layer on the
 * statements of the hottest path.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private draining = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly receipts?: ReceiptBook,
  ) {}

  /**
   * Runs a placement in the next batch; resolves when it has committed, rejects with its refusal (an
   * AppError), with AlreadyRecorded when its receipt was, or with the database's error.
   */
  place(caller: Caller, placement: Placement, receipt?: Receipt): Promise<Placed> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        caller,
        placement,
        receipt,
        key: currentCommandKey(),
        alone: false,
        retried: false,
        resolve,
        reject,
      });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) await this.run(this.take());
    } finally {
      this.draining = false;
    }
  }

  /** The next batch, in arrival order: one command per item, so a second command on an item sees the first's result. */
  private take(): Pending[] {
    if (this.queue[0]!.alone) return [this.queue.shift()!];
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const codes = new Set<string>();
    for (const pending of this.queue) {
      if (batch.length < MAX_BATCH && !pending.alone && !codes.has(pending.placement.code)) {
        batch.push(pending);
        codes.add(pending.placement.code);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await withPgConnection(
        this.orm.em,
        async (client) => {
          try {
            return await this.transaction(client, batch);
          } catch (err) {
            await client.query('rollback').catch(() => undefined);
            throw err;
          }
        },
        { pipeline: true },
      );
    } catch (err) {
      // An error of the database (not a refusal) fails the whole transaction; run each command again
      // alone, so that one command's failure is its own. A lost connection is not retried: its COMMIT
      // may have gone through. A receipt taken meanwhile is found recorded when its command runs again.
      const taken = err instanceof ReceiptTaken;
      const again = taken
        ? batch.filter((pending) => !pending.retried)
        : batch.length > 1 && isStatementError(err)
          ? batch
          : [];
      for (const pending of batch) if (!again.includes(pending)) pending.reject(err);
      for (const pending of again) {
        pending.alone = true;
        pending.retried ||= taken;
      }
      this.queue.unshift(...again);
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    });
  }

  /**
   * One transaction for the batch; each command's outcome, in order. Throws only for the whole batch.
   * On a pipelined connection it takes three round trips, or two without receipts: BEGIN, the locks and
   * the reads; the append; the receipts, the keys and COMMIT. Statements sent together still run one
   * after the other, and one that fails leaves the transaction aborted: those after it fail, and its
   * COMMIT rolls back.
   */
  private async transaction(client: pg.ClientBase, batch: Pending[]): Promise<Outcome[]> {
    const sql = pgSql(client);
    const codes = [...new Set(batch.map((p) => p.placement.code))];
    const places = [...new Set(batch.map((p) => p.placement.locationCode))];
    const receipts = batch.flatMap((p) => (p.receipt ? [p.receipt] : []));
    // The items are locked alone, first: a join in the same statement would be read as it was before any
    // wait for a lock, while the locked rows are read as they are after it. The reads run after the lock.
    const [, items, names, photographed, chains, stored, recorded] = await sendTogether(client, () =>
      Promise.all([
        client.query('begin'),
        lockItems(sql, codes),
        itemNames(sql, codes),
        photographedItems(sql, codes),
        readPlaceChains(sql, places),
        lockCapacities(sql, places),
        receipts.length ? this.book().recorded(sql, receipts) : new Map<Receipt, unknown>(),
      ]),
    );
    const byCode = new Map(items.map((item) => [item.code, item]));

    const drafts: EventDraft[] = [];
    const placed = batch.map(({ caller, placement, receipt }) =>
      refusalOr(() => {
        if (receipt && recorded.has(receipt)) throw new AlreadyRecorded(recorded.get(receipt));
        const item = byCode.get(placement.code);
        if (!item || !canSeeItem(caller, item)) throw notFound(placement.code);
        const draftAt = placement.decide(item, photographed.has(item.code));
        const location = checkPlace(item, placement.locationCode, chains.get(placement.locationCode));
        takeRoom(item, location, stored);
        const place: Place = { id: location.id, code: location.code };
        drafts.push(draftAt(place));
        return { item, place };
      }),
    );
    const keys = batch.filter((pending, i) => !(placed[i] instanceof Error) && pending.key).map((p) => p.key!);
    const commit = () => {
      const mark = keys.length ? carriedOut(keys) : null;
      return [mark ? sql.execute(mark.sql, mark.params) : Promise.resolve(), client.query('commit')];
    };
    let events: AppendedEvent[] = [];
    if (receipts.length) events = await appendEvents(sql, drafts);
    // Without receipts nothing waits for the append's answer: it goes with COMMIT.
    else if (drafts.length)
      [events] = await sendTogether(client, () => Promise.all([appendEvents(sql, drafts), ...commit()]));
    else await client.query('rollback');
    let next = 0;
    const outcomes: Outcome[] = placed.map((p) => {
      if (p instanceof Error) return p;
      const event = events[next++]!;
      // A placement leaves the item with nobody holding it; its case and owning agency are unchanged.
      return {
        event,
        item: { ...event.state, ...names.get(p.item.code)!, locationCode: p.place.code, holderUsername: null },
      };
    });
    if (receipts.length) {
      const answered = batch.flatMap((p, i) =>
        p.receipt && !(outcomes[i] instanceof AlreadyRecorded)
          ? [[p.receipt, p.receipt.answer(outcomes[i] as Placed | AppError)] as const]
          : [],
      );
      try {
        await sendTogether(client, () =>
          Promise.all([answered.length ? this.book().record(sql, answered) : Promise.resolve(), ...commit()]),
        );
      } catch (err) {
        throw this.book().taken(err) ? new ReceiptTaken() : err;
      }
    }
    return outcomes;
  }

  private book(): ReceiptBook {
    if (!this.receipts) throw new Error('this GroupCommit keeps no receipts');
    return this.receipts;
  }
}

/** A rule's refusal, or a receipt already recorded, as the command's outcome; anything else fails the batch. */
function refusalOr<T>(decide: () => T): T | AppError | AlreadyRecorded {
  try {
    return decide();
  } catch (err) {
    if (err instanceof AppError || err instanceof AlreadyRecorded) return err;
    throw err;
  }
}

/** An error PostgreSQL answered for a statement (it has a SQLSTATE), as opposed to a lost connection. */
function isStatementError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}
