import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { ThrottlePolicy } from '../custody/sign-in';
import type { TokenSettings } from './auth';

/** What the HTTP layer needs, passed in by main.ts or by a test: no globals, no container. */
export interface AppDeps {
  orm: MikroORM;
  config: Config;
  logger: Logger;
  tokens: TokenSettings;
  /** Sign-in throttling; the default policy when absent. */
  loginThrottle?: ThrottlePolicy;
}
