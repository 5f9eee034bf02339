import { concat, equal, fromBase64, toHex, utf8 } from './bytes';
import { sha256, verifyEd25519 } from './crypto';

/**
 * Reading C2SP signed notes (c2sp.org/signed-note) and witness cosignatures (c2sp.org/tlog-cosignature) with
 * nothing but public keys; src/custody/ledger/note.ts writes them.
 */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;

export class NoteError extends Error {
  override name = 'NoteError';
}

/** A pinned public key: Buffer fields (Node) fit as well as Uint8Array ones (a browser). */
export interface PublicKey {
  name: string;
  type: number;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

const keyId = async (name: string, type: number, publicKey: Uint8Array) =>
  (await sha256(concat(utf8(`${name}\n`), new Uint8Array([type]), publicKey))).subarray(0, 4);

/** `name+hexkeyid+base64(type || public key)`, the vkey format. */
export async function parsePublicKey(vkey: string): Promise<PublicKey> {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(vkey.trim());
  if (!match) throw new NoteError(`not a verifier key (name+keyid+base64): ${vkey.trim().slice(0, 80)}`);
  const [, name, id, material] = match as unknown as [string, string, string, string];
  const bytes = fromBase64(material);
  const type = bytes[0]!;
  if ((type !== ED25519 && type !== COSIGNATURE_V1) || bytes.length !== 33) {
    throw new NoteError(`unsupported key type in ${name}'s key`);
  }
  const publicKey = bytes.subarray(1);
  const computed = await keyId(name, type, publicKey);
  if (toHex(computed) !== id) throw new NoteError(`the key id of ${name}'s key does not match the key`);
  return { name, type, keyId: computed, publicKey };
}

interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('a signed note is text, a blank line and signature lines');
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^— (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
      if (!match) throw new NoteError(`malformed signature line: ${line}`);
      const bytes = fromBase64(match[2]!);
      if (bytes.length < 5) throw new NoteError(`signature too short: ${line}`);
      return { name: match[1]!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
    });
  return { text: note.slice(0, split + 1), signatures };
}

const signedBy = (s: NoteSignature, key: PublicKey) => s.name === key.name && equal(s.keyId, key.keyId);

/** Returns the note's text if `key` signed it; says precisely why not otherwise. */
export async function openNote(note: string, key: PublicKey): Promise<string> {
  if (key.type !== ED25519) throw new NoteError(`${key.name} is not a note-signing key`);
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => signedBy(s, key));
  if (mine.length === 0) throw new NoteError(`the note carries no signature by ${key.name}`);
  for (const s of mine) {
    if (!(await verifyEd25519(key.publicKey, utf8(text), s.signature))) {
      throw new NoteError(`the signature by ${key.name} does not verify: the note was altered or forged`);
    }
  }
  return text;
}

/** Finds and checks the cosignature by `key` on a note; returns its time (seconds since 1970). */
export async function verifyCosignature(note: string, key: PublicKey): Promise<number> {
  if (key.type !== COSIGNATURE_V1) throw new NoteError(`${key.name} is not a cosigner key`);
  const { text, signatures } = parseNote(note);
  const line = signatures.find((s) => signedBy(s, key));
  if (!line) throw new NoteError(`the checkpoint carries no cosignature by ${key.name}`);
  if (line.signature.length !== 72) throw new NoteError(`the cosignature by ${key.name} is malformed`);
  const timestamp = Number(new DataView(line.signature.buffer, line.signature.byteOffset).getBigUint64(0));
  const message = utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
  if (!(await verifyEd25519(key.publicKey, message, line.signature.subarray(8)))) {
    throw new NoteError(`the cosignature by ${key.name} does not verify`);
  }
  return timestamp;
}

/** A tlog-checkpoint body: origin, tree size, base64 root hash. */
export function parseCheckpoint(text: string): { origin: string; size: number; root: Uint8Array } {
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !/^\d+$/.test(size) || !root)
    throw new NoteError('not a checkpoint (origin, size, root hash)');
  const hash = fromBase64(root);
  if (hash.length !== 32) throw new NoteError('the checkpoint root hash is not 32 bytes');
  return { origin, size: Number(size), root: hash };
}
