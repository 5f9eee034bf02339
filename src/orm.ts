import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { failoverDialect } from './database-connect';
import { parseDatabaseUrl } from './database-url';
import { parse as parseConnectionString } from 'pg-connection-string';
import { KeyedCommandSubscriber } from './api/idempotency';
import type { Logger } from 'pino';
import { Agency } from './custody/directory/agency.entity';
import { User } from './custody/directory/user.entity';
import { Location } from './custody/directory/location.entity';
import { Case } from './custody/items/case.entity';
import { CustodyRequest, RequestItem } from './custody/items/request.entity';
import { Alert, Attachment, Handover } from './custody/items/records.entity';
import { Device } from './devices/device.entity';
import { Migration20261123000000Foundation } from '../migrations/Migration20261123000000Foundation';
import { Migration20261123010000CustodyCore } from '../migrations/Migration20261123010000CustodyCore';
import { Migration20261123020000LabelPrints } from '../migrations/Migration20261123020000LabelPrints';
import { Migration20261123030000Checkpoints } from '../migrations/Migration20261123030000Checkpoints';
import { Migration20261123040000ReportAccess } from '../migrations/Migration20261123040000ReportAccess';
import { Migration20261123050000Devices } from '../migrations/Migration20261123050000Devices';
import { Migration20261123060000Audits } from '../migrations/Migration20261123060000Audits';
import { Migration20261123070000Lockers } from '../migrations/Migration20261123070000Lockers';
import { Migration20261123080000MosquittoHash } from '../migrations/Migration20261123080000MosquittoHash';
import { Migration20261123090000LedgerAppend } from '../migrations/Migration20261123090000LedgerAppend';
import { Migration20261123100000IdempotencyOutcome } from '../migrations/Migration20261123100000IdempotencyOutcome';
import { Migration20261123110000CallerChanges } from '../migrations/Migration20261123110000CallerChanges';
import { Migration20261201100010CorrectionRequests } from '../migrations/Migration20261201100010CorrectionRequests';
import { Migration20261201100011ItemCorrectors } from '../migrations/Migration20261201100011ItemCorrectors';
import { Migration20261201200010LockerCommandsSpent } from '../migrations/Migration20261201200010LockerCommandsSpent';
import { Migration20261201200020OperatorSessions } from '../migrations/Migration20261201200020OperatorSessions';
import { Migration20261201300010Accounts } from '../migrations/Migration20261201300010Accounts';
import { Migration20261201300020DirectoryLog } from '../migrations/Migration20261201300020DirectoryLog';
import { Migration20261201400001IdempotencySecrets } from '../migrations/Migration20261201400001IdempotencySecrets';
import { Migration20261201400002ServerRole } from '../migrations/Migration20261201400002ServerRole';
import { Migration20261201500001DirectoryAppend } from '../migrations/Migration20261201500001DirectoryAppend';
import { Migration20261202100001SignatureAttachments } from '../migrations/Migration20261202100001SignatureAttachments';
import { Migration20261207100001UserLanguage } from '../migrations/Migration20261207100001UserLanguage';
import { Migration20261207200001RequestAnswerNote } from '../migrations/Migration20261207200001RequestAnswerNote';
import { Migration20261207200002AlertResolutionNote } from '../migrations/Migration20261207200002AlertResolutionNote';
import { Migration20261208100001Changes } from '../migrations/Migration20261208100001Changes';
import { Migration20261208200001LockerState } from '../migrations/Migration20261208200001LockerState';
import { Migration20261208200002LockerStateChanges } from '../migrations/Migration20261208200002LockerStateChanges';
import { Migration20261208300001Dashboard } from '../migrations/Migration20261208300001Dashboard';
import { Migration20261210000001SearchIndexes } from '../migrations/Migration20261210000001SearchIndexes';
import { Migration20261210100001LedgerVerifications } from '../migrations/Migration20261210100001LedgerVerifications';
import { Migration20261211200001DashboardCounts } from '../migrations/Migration20261211200001DashboardCounts';
import { Migration20261211200002ItemPlaces } from '../migrations/Migration20261211200002ItemPlaces';
import { Migration20261212100001MerkleNodes } from '../migrations/Migration20261212100001MerkleNodes';
import { Migration20261213100001ApiClients } from '../migrations/Migration20261213100001ApiClients';
import { Migration20261213200001Webhooks } from '../migrations/Migration20261213200001Webhooks';

export const entities = [
  Agency,
  User,
  Location,
  Case,
  CustodyRequest,
  RequestItem,
  Handover,
  Alert,
  Attachment,
  Device,
];

/** Listed here rather than discovered from the file system, so the same list runs under tsx, jest and node. */
const migrationsList = [
  { name: 'Migration20261123000000Foundation', class: Migration20261123000000Foundation },
  { name: 'Migration20261123010000CustodyCore', class: Migration20261123010000CustodyCore },
  { name: 'Migration20261123020000LabelPrints', class: Migration20261123020000LabelPrints },
  { name: 'Migration20261123030000Checkpoints', class: Migration20261123030000Checkpoints },
  { name: 'Migration20261123040000ReportAccess', class: Migration20261123040000ReportAccess },
  { name: 'Migration20261123050000Devices', class: Migration20261123050000Devices },
  { name: 'Migration20261123060000Audits', class: Migration20261123060000Audits },
  { name: 'Migration20261123070000Lockers', class: Migration20261123070000Lockers },
  { name: 'Migration20261123080000MosquittoHash', class: Migration20261123080000MosquittoHash },
  { name: 'Migration20261123090000LedgerAppend', class: Migration20261123090000LedgerAppend },
  { name: 'Migration20261123100000IdempotencyOutcome', class: Migration20261123100000IdempotencyOutcome },
  { name: 'Migration20261123110000CallerChanges', class: Migration20261123110000CallerChanges },
  { name: 'Migration20261201100010CorrectionRequests', class: Migration20261201100010CorrectionRequests },
  { name: 'Migration20261201100011ItemCorrectors', class: Migration20261201100011ItemCorrectors },
  { name: 'Migration20261201200010LockerCommandsSpent', class: Migration20261201200010LockerCommandsSpent },
  { name: 'Migration20261201200020OperatorSessions', class: Migration20261201200020OperatorSessions },
  { name: 'Migration20261201300010Accounts', class: Migration20261201300010Accounts },
  { name: 'Migration20261201300020DirectoryLog', class: Migration20261201300020DirectoryLog },
  { name: 'Migration20261201400001IdempotencySecrets', class: Migration20261201400001IdempotencySecrets },
  { name: 'Migration20261201400002ServerRole', class: Migration20261201400002ServerRole },
  { name: 'Migration20261201500001DirectoryAppend', class: Migration20261201500001DirectoryAppend },
  { name: 'Migration20261202100001SignatureAttachments', class: Migration20261202100001SignatureAttachments },
  { name: 'Migration20261207100001UserLanguage', class: Migration20261207100001UserLanguage },
  { name: 'Migration20261207200001RequestAnswerNote', class: Migration20261207200001RequestAnswerNote },
  { name: 'Migration20261207200002AlertResolutionNote', class: Migration20261207200002AlertResolutionNote },
  { name: 'Migration20261208100001Changes', class: Migration20261208100001Changes },
  { name: 'Migration20261208200001LockerState', class: Migration20261208200001LockerState },
  { name: 'Migration20261208200002LockerStateChanges', class: Migration20261208200002LockerStateChanges },
  { name: 'Migration20261208300001Dashboard', class: Migration20261208300001Dashboard },
  { name: 'Migration20261210000001SearchIndexes', class: Migration20261210000001SearchIndexes },
  { name: 'Migration20261210100001LedgerVerifications', class: Migration20261210100001LedgerVerifications },
  { name: 'Migration20261211200001DashboardCounts', class: Migration20261211200001DashboardCounts },
  { name: 'Migration20261211200002ItemPlaces', class: Migration20261211200002ItemPlaces },
  { name: 'Migration20261212100001MerkleNodes', class: Migration20261212100001MerkleNodes },
  { name: 'Migration20261213100001ApiClients', class: Migration20261213100001ApiClients },
  { name: 'Migration20261213200001Webhooks', class: Migration20261213200001Webhooks },
];

export interface OrmOptions {
  url: string;
  poolMax?: number;
  logger?: Pick<Logger, 'debug'>;
}

export function ormConfig({ url, poolMax = 10, logger }: OrmOptions): Options {
  // MikroORM reads one host from the URL (the first); with several, the dialect tries them all, in order.
  const target = parseDatabaseUrl(url);
  // MikroORM takes only the host, port, user, password and database from a URL; its TLS settings (sslmode,
  // sslrootcert…) reach the pool as node-postgres reads them for every other connection of the server.
  const { ssl } = parseConnectionString(target.hosts[0]!.url);
  return {
    clientUrl: target.hosts[0]!.url,
    driverOptions: {
      ...(ssl === undefined ? {} : { connection: { ssl } }),
      ...(target.plain ? {} : { client: failoverDialect(target) }),
    },
    entities,
    extensions: [Migrator],
    subscribers: [new KeyedCommandSubscriber()],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    logger: (message) => logger?.debug({ orm: message }, 'orm'),
  };
}

export async function initOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
