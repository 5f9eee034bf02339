import { AsyncLocalStorage } from 'node:async_hooks';
import { arrayLiteral } from '../sql';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The Idempotency-Key a request came with; its command's transaction marks it carried out. */
export interface CommandKey {
  userId: string;
  key: string;
}

const current = new AsyncLocalStorage<CommandKey>();

/** Runs the handling of a keyed request: whatever transaction it commits carries its key. */
export const withCommandKey = <T>(key: CommandKey, run: () => T): T => current.run(key, run);

export const currentCommandKey = (): CommandKey | undefined => current.getStore();

/**
 * The statement that marks `keys` carried out. It runs inside the transaction of their commands, so the
 * mark and the commands' changes commit together or not at all.
 */
export function carriedOut(keys: CommandKey[]): { sql: string; params: string[] } {
  return {
    sql: `update idempotency_keys k set carried_out = true
            from unnest(?::uuid[], ?::text[]) as done (user_id, key)
           where k.user_id = done.user_id and k.key = done.key`,
    params: [arrayLiteral(keys.map((k) => k.userId)), arrayLiteral(keys.map((k) => k.key))],
  };
}

/** How long a key is kept: a retry must come within this; after it the same key is a new request. */
export const KEY_LIFETIME_HOURS = 24;

/** Deletes the keys older than their lifetime (their answers and request hashes with them). */
export async function purgeExpiredKeys(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ key: string }[]>(
    `delete from idempotency_keys where created_at < now() - make_interval(hours => ?) returning key`,
    [KEY_LIFETIME_HOURS],
  );
  return rows.length;
}
