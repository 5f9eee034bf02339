import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Attachments are evidence, often personal data: only the server's own user may read them, whatever its
 * umask, and a folder left open by an older version is closed at start-up.
 */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Writes `data` to `file` through a temporary file, so that a reader never sees half of it. */
export async function writePrivateFile(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, data, { mode: PRIVATE_FILE });
  await fs.rename(temp, file);
}

/** Creates the attachments folder, or tightens an existing one: folders 0700, files 0600, all the way down. */
export async function keepAttachmentsPrivate(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  await fs.chmod(dir, PRIVATE_DIR);
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await fs.chmod(full, PRIVATE_DIR);
    else if (entry.isFile()) await fs.chmod(full, PRIVATE_FILE);
  }
}
