import type { Json } from '../canonical-json';
import { ENVELOPE_VERSION, EVENT_TYPES, type Envelope } from '../events';
import { PHYSICAL_STATES } from '../../items/item-kinds';

/**
 * An event's canonical JSON checked and read where it lies, in the bytes of the ledger's COPY: one pass
 * over the bytes (canonical-bytes.ts) finds whether they are beyond doubt canonical and where each of the
 * envelope's values lies, and only the values the replay reads are decoded. JSON.parse of the whole text
 * and isCanonical cost several times more, and most of what they build is thrown away (docs/benchmarks.md,
 * "Why the code is shaped so"). What this pass does not settle it leaves to them, so that it never accepts
 * a text they would refuse.
 */

import { canonicalValueEnd, CLOSE_OBJECT, matches, NULL, OPEN_OBJECT, QUOTE, stringEnd } from './canonical-bytes';

/** Every key of an envelope, so that the compiler says when one is added. */
const ENVELOPE_KEYS: Record<keyof Envelope, null> = {
  v: null,
  itemId: null,
  itemSeq: null,
  prevItemHash: null,
  type: null,
  actor: null,
  agency: null,
  device: null,
  from: null,
  to: null,
  location: null,
  requestId: null,
  occurredAt: null,
  recordedAt: null,
  payload: null,
};
/** In canonical order: all of them ASCII, so byte order is UTF-16 code-unit order. */
const KEYS = (Object.keys(ENVELOPE_KEYS) as (keyof Envelope)[]).sort();
const KEY_AT = Object.fromEntries(KEYS.map((key, k) => [key, k])) as Record<keyof Envelope, number>;
const PAYLOAD = KEY_AT.payload;
/** What comes before each value: `{"actor":`, then `,"agency":` and so on. */
const MEMBERS = KEYS.map((key, k) => Buffer.from(`${k === 0 ? '{' : ','}"${key}":`));

/**
 * Texts decoded once and shared (types, states, the payloads' keys): their bytes are looked up, not
 * decoded. Up to `room` texts not given at first are learnt as they come.
 */
class Shared {
  private readonly byLength: { bytes: Buffer; text: string }[][] = [];

  constructor(
    texts: readonly string[],
    private room = 0,
  ) {
    for (const text of texts) this.learn(text);
  }

  private learn(text: string): void {
    (this.byLength[Buffer.byteLength(text)] ??= []).push({ bytes: Buffer.from(text), text });
  }

  /** The text buf[start, end) spells. */
  text(buf: Buffer, start: number, end: number): string {
    for (const { bytes, text } of this.byLength[end - start] ?? []) if (matches(buf, start, end, bytes)) return text;
    const text = buf.toString('utf8', start, end);
    if (this.room > 0) {
      this.room--;
      this.learn(text);
    }
    return text;
  }
}

const CONSTANTS = new Shared([ENVELOPE_VERSION, ...EVENT_TYPES, ...PHYSICAL_STATES]);
const PAYLOAD_KEYS = new Shared([], 1000);
/** Per key in canonical order, whether its value is one of CONSTANTS. */
const SHARED_AT = KEYS.map((key) => key === 'v' || key === 'type' || key === 'from' || key === 'to');

/** A payload member's value as JSON.parse gives it: its text is canonical, strings without escapes. */
function memberValue(buf: Buffer, start: number, end: number): Json {
  switch (buf[start]) {
    case QUOTE:
      return buf.toString('utf8', start + 1, end - 1);
    case 0x6e:
      return null;
    case 0x74:
      return true;
    case 0x66:
      return false;
    default:
      return JSON.parse(buf.toString('utf8', start, end)) as Json;
  }
}

/**
 * An envelope read from bytes that scanEnvelope found canonical: each value is decoded when it is first
 * read, the payload's members one by one (JSON.parse of a whole payload costs more). One view serves one
 * event after another: what it gives is valid until it is handed the next.
 */
export class EnvelopeView implements Envelope {
  private buf: Buffer = Buffer.alloc(0);
  /** Per key in canonical order, where its value's text lies (a string's without its quotes), -1 for null. */
  readonly spans: number[] = new Array<number>(2 * KEYS.length).fill(-1);
  /** The payload's members: key start and end, value start and end. */
  readonly members: number[] = [];
  private readonly values: (string | null | undefined)[] = new Array<undefined>(KEYS.length);
  private parsedPayload: Envelope['payload'] | undefined;

  /** Starts over on the event whose canonical JSON is in `buf`. */
  reset(buf: Buffer): void {
    this.buf = buf;
    this.members.length = 0;
    this.values.fill(undefined);
    this.parsedPayload = undefined;
  }

  private text(k: number): string | null {
    const known = this.values[k];
    if (known !== undefined) return known;
    const start = this.spans[2 * k]!;
    const end = this.spans[2 * k + 1]!;
    return (this.values[k] =
      start < 0 ? null : SHARED_AT[k] ? CONSTANTS.text(this.buf, start, end) : this.buf.toString('utf8', start, end));
  }

  /** Whether the previous item hash is `hex` (lower-case hex digits, as a leaf's is written), without decoding it. */
  prevItemHashIs(hex: string | null): boolean {
    const start = this.spans[2 * KEY_AT.prevItemHash]!;
    if (start < 0 || hex === null) return start < 0 && hex === null;
    if (this.spans[2 * KEY_AT.prevItemHash + 1]! - start !== hex.length) return false;
    for (let j = 0; j < hex.length; j++) if (this.buf[start + j] !== hex.charCodeAt(j)) return false;
    return true;
  }

  get v(): Envelope['v'] {
    return this.text(KEY_AT.v) as Envelope['v'];
  }
  get itemId(): string {
    return this.text(KEY_AT.itemId)!;
  }
  get itemSeq(): string {
    const k = KEY_AT.itemSeq;
    const start = this.spans[2 * k]!;
    const end = this.spans[2 * k + 1]!;
    // Digits as a number writes them: the number's own string, which V8 keeps for small numbers, rather
    // than one decoded again for every event.
    if (start >= 0 && end - start <= 9 && (this.buf[start] !== 0x30 || end - start === 1)) {
      let n = 0;
      let j = start;
      for (; j < end && this.buf[j]! >= 0x30 && this.buf[j]! <= 0x39; j++) n = n * 10 + this.buf[j]! - 0x30;
      if (j === end && j > start) return String(n);
    }
    return this.text(k)!;
  }
  get prevItemHash(): string | null {
    return this.text(KEY_AT.prevItemHash);
  }
  get type(): Envelope['type'] {
    return this.text(KEY_AT.type) as Envelope['type'];
  }
  get actor(): string | null {
    return this.text(KEY_AT.actor);
  }
  get agency(): string | null {
    return this.text(KEY_AT.agency);
  }
  get device(): string | null {
    return this.text(KEY_AT.device);
  }
  get from(): Envelope['from'] {
    return this.text(KEY_AT.from) as Envelope['from'];
  }
  get to(): Envelope['to'] {
    return this.text(KEY_AT.to) as Envelope['to'];
  }
  get location(): string | null {
    return this.text(KEY_AT.location);
  }
  get requestId(): string | null {
    return this.text(KEY_AT.requestId);
  }
  get occurredAt(): string {
    return this.text(KEY_AT.occurredAt)!;
  }
  get recordedAt(): string {
    return this.text(KEY_AT.recordedAt)!;
  }
  get payload(): Envelope['payload'] {
    if (this.parsedPayload) return this.parsedPayload;
    const payload: Envelope['payload'] = {};
    const { buf, members } = this;
    for (let m = 0; m < members.length; m += 4) {
      const key = PAYLOAD_KEYS.text(buf, members[m]!, members[m + 1]!);
      const value = memberValue(buf, members[m + 2]!, members[m + 3]!);
      // As JSON.parse makes it: an own property even when it is named __proto__.
      if (key === '__proto__')
        Object.defineProperty(payload, key, { value, enumerable: true, writable: true, configurable: true });
      else payload[key] = value;
    }
    return (this.parsedPayload = payload);
  }
}

/**
 * Whether the canonical JSON in buf[start, end) is, beyond doubt, canonical and an envelope with the
 * envelope's keys and no others, each with a string or null (the payload an object): if so `view` (reset)
 * reads it, and gives exactly the values JSON.parse would. False when it is not, or when the answer is
 * left to JSON.parse and isCanonical.
 */
export function scanEnvelope(buf: Buffer, start: number, end: number, view: EnvelopeView): boolean {
  view.reset(buf);
  const { spans, members } = view;
  let i = start;
  for (let k = 0; k < KEYS.length; k++) {
    if (!matches(buf, i, end, MEMBERS[k]!)) return false;
    i += MEMBERS[k]!.length;
    if (i >= end) return false;
    const c = buf[i];
    if (k === PAYLOAD) {
      if (c !== OPEN_OBJECT) return false;
      spans[2 * k] = i;
      i = canonicalValueEnd(buf, i, end, members);
      if (i < 0) return false;
      spans[2 * k + 1] = i;
    } else if (c === QUOTE) {
      spans[2 * k] = i + 1;
      i = stringEnd(buf, i + 1, end);
      if (i < 0) return false;
      spans[2 * k + 1] = i - 1;
    } else if (c === 0x6e && matches(buf, i, end, NULL)) {
      spans[2 * k] = -1;
      spans[2 * k + 1] = -1;
      i += 4;
    } else {
      return false;
    }
  }
  return i === end - 1 && buf[i] === CLOSE_OBJECT;
}
