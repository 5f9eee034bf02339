import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: the checkpoints of the custody ledger are
 * signed notes, and witnesses add timestamped cosignatures (c2sp.org/tlog-cosignature, type 0x04).
 */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
export type KeyType = typeof ED25519 | typeof COSIGNATURE_V1;

export class NoteError extends Error {
  override name = 'NoteError';
}

export interface VerifierKey {
  name: string;
  type: KeyType;
  keyId: Buffer;
  publicKey: Buffer;
}

export interface NoteSigner extends VerifierKey {
  privateKey: KeyObject;
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI and PKCS#8.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const NAME = /^[^\s+]+$/u;

export function keyId(name: string, type: KeyType, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(name)
    .update('\n')
    .update(Buffer.from([type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** `name+hexkeyid+base64(type || public key)`, the vkey format. */
export function formatVerifierKey(key: VerifierKey): string {
  return `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([key.type]), key.publicKey]).toString('base64')}`;
}

export function parseVerifierKey(vkey: string): VerifierKey {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(vkey.trim());
  if (!match) throw new NoteError(`not a verifier key (name+keyid+base64): ${vkey}`);
  const [, name, id, material] = match as unknown as [string, string, string, string];
  const bytes = Buffer.from(material, 'base64');
  const type = bytes[0];
  if ((type !== ED25519 && type !== COSIGNATURE_V1) || bytes.length !== 33)
    throw new NoteError(`unsupported key type in ${vkey}`);
  const publicKey = bytes.subarray(1);
  const computed = keyId(name, type, publicKey);
  if (computed.toString('hex') !== id) throw new NoteError(`the key id of ${vkey} does not match its key`);
  return { name, type, keyId: computed, publicKey };
}

/** `PRIVATE+KEY+name+hexkeyid+base64(type || seed)`, the signer key format of golang.org/x/mod/sumdb/note. */
export function parseSignerKey(skey: string): NoteSigner {
  const match = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(skey.trim());
  if (!match) throw new NoteError('not a signer key (PRIVATE+KEY+name+keyid+base64)');
  const [, name, id, material] = match as unknown as [string, string, string, string];
  const bytes = Buffer.from(material, 'base64');
  const type = bytes[0];
  if ((type !== ED25519 && type !== COSIGNATURE_V1) || bytes.length !== 33)
    throw new NoteError('unsupported signer key type');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, bytes.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const computed = keyId(name, type, publicKey);
  if (computed.toString('hex') !== id) throw new NoteError('the key id of the signer key does not match its key');
  return { name, type, keyId: computed, publicKey, privateKey };
}

export function generateSignerKey(name: string, type: KeyType): string {
  if (!NAME.test(name)) throw new NoteError(`a key name has no spaces or +: ${name}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const id = keyId(name, type, publicKey).toString('hex');
  return `PRIVATE+KEY+${name}+${id}+${Buffer.concat([Buffer.from([type]), seed]).toString('base64')}`;
}

const signatureLine = (key: VerifierKey, signature: Buffer) =>
  `— ${key.name} ${Buffer.concat([key.keyId, signature]).toString('base64')}\n`;

/** Signs note text (which ends in a newline) with an Ed25519 note key. */
export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline');
  return `${text}\n${signatureLine(signer, sign(null, Buffer.from(text), signer.privateKey))}`;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
  line: string;
}

export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('a signed note is text, a blank line and signature lines');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^— (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
      if (!match) throw new NoteError(`malformed signature line: ${line}`);
      const bytes = Buffer.from(match[2]!, 'base64');
      if (bytes.length < 5) throw new NoteError(`signature too short: ${line}`);
      return { name: match[1]!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4), line: `${line}\n` };
    });
  return { text, signatures };
}

const signedBy = (s: NoteSignature, key: VerifierKey) => s.name === key.name && s.keyId.equals(key.keyId);

/** Returns the note's text if `key` signed it; says precisely why not otherwise. */
export function openNote(note: string, key: VerifierKey): string {
  if (key.type !== ED25519) throw new NoteError(`${key.name} is not a note-signing key`);
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => signedBy(s, key));
  if (mine.length === 0) throw new NoteError(`the note carries no signature by ${key.name}`);
  for (const s of mine) {
    if (!verify(null, Buffer.from(text), publicKeyObject(key.publicKey), s.signature)) {
      throw new NoteError(`the signature by ${key.name} does not verify: the note was altered or forged`);
    }
  }
  return text;
}

const cosignedMessage = (text: string, timestamp: number) => Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`);

/** A witness's timestamped cosignature line over a checkpoint's text (tlog-cosignature, Ed25519). */
export function cosign(text: string, signer: NoteSigner, timestamp = Math.floor(Date.now() / 1000)): string {
  if (signer.type !== COSIGNATURE_V1) throw new NoteError(`${signer.name} is not a cosigner key`);
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, cosignedMessage(text, timestamp), signer.privateKey);
  return signatureLine(signer, Buffer.concat([stamp, signature]));
}

/** Finds and checks the cosignature by `key` on a note; returns its timestamp. */
export function verifyCosignature(note: string, key: VerifierKey): number {
  if (key.type !== COSIGNATURE_V1) throw new NoteError(`${key.name} is not a cosigner key`);
  const { text, signatures } = parseNote(note);
  const line = signatures.find((s) => signedBy(s, key));
  if (!line) throw new NoteError(`the checkpoint carries no cosignature by ${key.name}`);
  if (line.signature.length !== 72) throw new NoteError(`the cosignature by ${key.name} is malformed`);
  const timestamp = Number(line.signature.readBigUInt64BE(0));
  if (!verify(null, cosignedMessage(text, timestamp), publicKeyObject(key.publicKey), line.signature.subarray(8))) {
    throw new NoteError(`the cosignature by ${key.name} does not verify`);
  }
  return timestamp;
}

/** A tlog-checkpoint body: origin, tree size, base64 root hash. */
export function checkpointText(origin: string, size: number, root: Buffer): string {
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

export function parseCheckpoint(text: string): { origin: string; size: number; root: Buffer } {
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !/^\d+$/.test(size) || !root)
    throw new NoteError('not a checkpoint (origin, size, root hash)');
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32) throw new NoteError('the checkpoint root hash is not 32 bytes');
  return { origin, size: Number(size), root: hash };
}
