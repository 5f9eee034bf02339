import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Returns the secret kept in `file`, creating it (mode 0600, never world-readable) on first use.
 * Secrets live beside the data, not in the code or the database, so a database dump does not leak them.
 */
export function readOrCreateSecret(
  file: string,
  generate: () => string = () => randomBytes(48).toString('base64url'),
): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Searchable but not listable by others: PostgreSQL, run as its own user, must pass through this folder.
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o711 });
  const secret = generate();
  // 'wx' fails if another process created the file meanwhile; then its secret wins.
  try {
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fs.readFileSync(file, 'utf8').trim();
  }
}
