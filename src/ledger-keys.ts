import path from 'node:path';
import type { Config } from './config';
import {
  ED25519,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  type NoteSigner,
  type VerifierKey,
} from './custody/ledger/note';
import { readOrCreateSecret } from './secrets';

/**
 * The log's signing key lives outside the database: given by CUSTODY_LEDGER_KEY, or made on first start
 * in the data folder (mode 0600). A database administrator therefore cannot sign a rewritten history.
 */
export function loadLedgerSigner(config: Pick<Config, 'ledgerKey' | 'dataDir' | 'logOrigin'>): NoteSigner {
  const skey =
    config.ledgerKey ??
    readOrCreateSecret(path.join(config.dataDir, 'ledger-signing-key'), () =>
      generateSignerKey(config.logOrigin, ED25519),
    );
  return parseSignerKey(skey);
}

export function loadWitnessKeys(config: Pick<Config, 'witnessKeys'>): VerifierKey[] {
  return config.witnessKeys.map(parseVerifierKey);
}

export const checkpointFile = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'checkpoints.log');
