import { concat, utf8 } from './bytes';

// WebCrypto, as browsers and Node 20 both have it: SHA-256 and Ed25519 are all a verifier needs.
const subtle = () => globalThis.crypto.subtle;
// The DOM's typings take only views of a plain ArrayBuffer; these bytes never live in shared memory.
const source = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', source(data)));
}

export async function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) {
  const key = await subtle().importKey('raw', source(publicKey), { name: 'Ed25519' }, false, ['verify']);
  return subtle().verify({ name: 'Ed25519' }, key, source(signature), source(message));
}

// RFC 6962 / 9162 domain separation: 0x00 before a leaf, 0x01 before two child hashes.
export const leafHash = (canonical: string) => sha256(concat(new Uint8Array([0]), utf8(canonical)));
export const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(concat(new Uint8Array([1]), left, right));

/** The root a leaf's inclusion proof leads to (RFC 9162 §2.1.3.2). */
export async function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('inclusion proof is too long');
    if (fn & 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (!(fn & 1)) {
        while (fn !== 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn !== 0) throw new Error('inclusion proof is too short');
  return r;
}
