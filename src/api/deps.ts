import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Account } from '../custody/directory/caller';
import type { CallerCache } from '../custody/directory/caller-cache';
import type { ChangeFeed } from '../live/change-feed';
import type { CheckpointSigner } from '../custody/ledger/checkpoints';
import type { GroupCommit } from '../custody/items/group-commit';
import type { VerifierKey } from '../custody/ledger/note';
import type { ThrottlePolicy } from '../custody/directory/sign-in';
import type { TokenSettings } from './auth';

/** What the HTTP layer needs, passed in by main.ts or by a test: no globals, no container. */
export interface AppDeps {
  orm: MikroORM;
  /**
   * For the reads that may lag behind the last commit (searches, reports, proofs, verification): a streaming
   * replica's ORM, or `orm` itself (the default). Nothing that writes, nor a read that must see the caller's
   * own last write, uses it (docs/operations.md, "Read replica").
   */
  readOrm?: MikroORM;
  config: Config;
  logger: Logger;
  tokens: TokenSettings;
  /** The log's signer (key outside the database) and the witnesses whose cosignatures are accepted. */
  ledger: CheckpointSigner & { witnesses: VerifierKey[] };
  /** The embedded broker, to cut a disabled device off; absent when no broker runs in this process. */
  devices?: {
    disconnect(deviceId: string): void;
    command(kind: string, deviceId: string, name: string, payload: object): Promise<void>;
  };
  /** Check-ins and moves, committed in groups with the device link's. */
  placements: GroupCommit;
  /** The callers authenticated, kept while their changes are listened for; loaded on every request when absent. */
  callers?: CallerCache<Account>;
  /** The changes committed by any instance, for the console's change streams; the stream is 503 when absent. */
  changes?: ChangeFeed;
  /** Sign-in throttling; the default policy when absent. */
  loginThrottle?: ThrottlePolicy;
}

/** The EntityManager, in the request's context, of the reads that may lag: the replica's, else the primary's. */
export const laggingReads = ({ orm, readOrm }: Pick<AppDeps, 'orm' | 'readOrm'>) => (readOrm ?? orm).em;
