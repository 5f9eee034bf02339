import { problemTitle } from '../../components/ProblemAlert';
import { Problem } from '../../lib/problem';
import { serverWord, type CommonWords } from '../../lib/words';
import type { ScanWords } from './words';

export type Say = (w: ScanWords, c: CommonWords) => string;

const CATEGORY = /^(\w+) needs a witness/;

/** The server refused because a second person must confirm, or the one who did gave a wrong password. */
export function witnessProblem(error: unknown): { category?: string; wrongPassword: boolean } | undefined {
  if (!(error instanceof Problem) || error.status !== 422) return undefined;
  const detail = error.body.detail;
  if (/witness's username or password/.test(detail)) return { wrongPassword: true };
  if (/needs a witness/.test(detail)) return { category: CATEGORY.exec(detail)?.[1], wrongPassword: false };
  return undefined;
}

/** Why a scan was refused, in a clerk's words: the server's detail is shown beside it, as it said it. */
export function explain(error: unknown): Say {
  if (!(error instanceof Problem)) return (_w, c) => c.problemOther;
  const detail = error.body.detail;
  const witness = witnessProblem(error);
  if (witness) return (w) => (witness.wrongPassword ? w.witnessWrong : w.needsWitness);
  if (error.code === 'invalid-transition') {
    const state = /is (\w+):/.exec(detail)?.[1] ?? '';
    return (w, c) => w.wrongState(serverWord(c, 'state', state));
  }
  if (error.status === 404 || error.status === 403) return (w) => w.notFound;
  if (/ is full /.test(detail)) return (w) => w.full;
  if (/reserved for|takes only|must be kept in|items go in a/.test(detail)) return (w) => w.notAllowedHere;
  if (/location \S+ does not exist/.test(detail)) {
    const code = /location (\S+) does not exist/.exec(detail)?.[1] ?? '';
    return (w) => w.unknownLocation(code);
  }
  return (_w, c) => problemTitle(error, c);
}

/** A return's mismatches as the server words them (movements.ts), in the clerk's language where known. */
export function mismatchWords(mismatch: string): Say {
  const seal = /^seal (.*) instead of (.*)$/.exec(mismatch);
  if (seal) return (w) => w.mismatch_seal(seal[1]!, seal[2] === 'none' ? w.none : seal[2]!);
  const quantity = /^quantity (.*) instead of (.*)$/.exec(mismatch);
  if (quantity) return (w) => w.mismatch_quantity(quantity[1]!, quantity[2]!);
  const weight = /^weight (.*) g instead of (.*) g$/.exec(mismatch);
  if (weight) return (w) => w.mismatch_weight(weight[1]!, weight[2]!);
  return () => mismatch;
}
