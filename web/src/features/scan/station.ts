import { useCallback, useRef, useState } from 'react';
import { formatItemCode } from '../../../../src/custody/items/item-code-rules';
import { api, ok } from '../../lib/api';
import type { Answer } from '../../lib/api-shapes';
import { classifyScan } from './classify';
import { explain, mismatchWords, witnessProblem, type Say } from './refusal';
import { beep } from './sound';

export const MODES = ['checkIn', 'move', 'checkOut', 'return', 'inventory'] as const;
export type Mode = (typeof MODES)[number];
export type Outcome = 'committed' | 'refused' | 'duplicate' | 'warning' | 'info';

export type Item = Answer<'getItemsCode'>;
export type Place = Pick<Answer<'getLocationsCode'>, 'code' | 'name'>;
export type Loan = Answer<'getRequests'>['items'][number];
export interface Audit {
  id: string;
  place: Place;
  expected: number;
  scanned: number;
  seenAt: Place;
}
export type AuditResult = Answer<'postAuditsIdClose'>;

/** Categories a second person must witness at check-in, check-out and return (state-machine.ts). */
const WITNESSED = new Set(['cash', 'drugs', 'firearm', 'valuables']);

export interface ScanResult {
  id: number;
  at: Date;
  /** The code as shown: an item code in its printed groups, a label as it reads. */
  shown: string;
  outcome: Outcome;
  say: Say;
  /** The server's own words, when it refused. */
  detail?: string;
  lines?: Say[];
  item?: Pick<Item, 'description' | 'category'>;
}

export interface Credentials {
  username: string;
  password: string;
}
export interface DialogAnswer {
  witness?: Credentials;
  condition?: string;
  sealNumber?: string;
  quantity?: string;
  weightGrams?: string;
}
export interface DialogRequest {
  kind: 'witness' | 'checkOut' | 'return';
  code: string;
  item?: Item;
  category?: string;
  loan?: Loan;
  witness: boolean;
  /** The witness's last attempt was refused. */
  error?: unknown;
}

const place = (p: Place) => (p.name && p.name !== p.code ? `${p.code} · ${p.name}` : p.code);
class Cancelled extends Error {}
const MAX_SHOWN = 30;

/**
 * The scan station's work: each scan is classified on the client, then goes to the server in one request
 * where it can (a check-in or a move is a single POST), through a queue so that fast scans keep their order.
 * A scanned-again item is answered from this session's memory, without asking.
 */
export function useScanStation() {
  const [mode, setModeState] = useState<Mode>('checkIn');
  const [target, setTarget] = useState<Place>();
  const [audit, setAudit] = useState<Audit>();
  const [auditResult, setAuditResult] = useState<AuditResult>();
  const [results, setResults] = useState<ScanResult[]>([]);
  const [dialog, setDialog] = useState<{ request: DialogRequest; resolve: (a: DialogAnswer | null) => void }>();

  // The queue and the handlers read the latest state from refs: a scan may arrive before React re-renders.
  const state = useRef<{ mode: Mode; target?: Place; audit?: Audit }>({ mode: 'checkIn' });
  const done = useRef(new Set<string>());
  const queue = useRef(Promise.resolve());
  const nextId = useRef(1);

  const show = useCallback((result: Omit<ScanResult, 'id' | 'at'>) => {
    beep(result.outcome);
    setResults((list) => [{ ...result, id: nextId.current++, at: new Date() }, ...list].slice(0, MAX_SHOWN));
  }, []);

  const ask = useCallback(
    (request: DialogRequest) =>
      new Promise<DialogAnswer | null>((resolve) =>
        setDialog({
          request,
          resolve: (answer) => {
            setDialog(undefined);
            resolve(answer);
          },
        }),
      ),
    [],
  );

  /** Runs a command; when the server wants a witness (or a wrong one was given), asks for one and retries. */
  async function witnessed<T>(
    code: string,
    category: string | undefined,
    attempt: (witness?: Credentials) => Promise<T>,
    first?: Credentials,
  ): Promise<T> {
    let witness = first;
    let item: Item | undefined;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(witness);
      } catch (error) {
        const wanted = witnessProblem(error);
        if (!wanted || tries >= 3) throw error;
        // Shown in the dialog, so that the witness sees what they vouch for; asked only on this path.
        item ??= await ok(api.GET('/items/{code}', { params: { path: { code } } })).catch(() => undefined);
        const answer = await ask({
          kind: 'witness',
          code,
          item,
          category: wanted.category ?? category,
          witness: true,
          error: wanted.wrongPassword ? error : undefined,
        });
        if (!answer?.witness) throw new Cancelled();
        witness = answer.witness;
      }
    }
  }

  async function onLocation(code: string, mode: Mode) {
    if (mode === 'checkOut') return show({ shown: code, outcome: 'refused', say: (w) => w.locationInCheckOut });
    const location = await ok(api.GET('/locations/{code}', { params: { path: { code } } }));
    const here = { code: location.code, name: location.name };
    if (mode !== 'inventory') {
      setTarget(here);
      state.current.target = here;
      return show({ shown: code, outcome: 'info', say: (w) => w.locationSet(place(here)) });
    }
    const open = state.current.audit;
    if (open) {
      const next = { ...open, seenAt: here };
      setAudit(next);
      state.current.audit = next;
      return show({ shown: code, outcome: 'info', say: (w) => w.seenAt(place(here)) });
    }
    const started = await ok(api.POST('/audits', { body: { locationCode: code } }));
    const next = { id: started.id, place: here, expected: started.expected, scanned: started.scanned, seenAt: here };
    setAudit(next);
    setAuditResult(undefined);
    state.current.audit = next;
    show({ shown: code, outcome: 'info', say: (w) => w.auditStarted(place(here), started.expected) });
  }

  async function onItem(code: string, mode: Mode) {
    const shown = formatItemCode(code);
    const { target, audit } = state.current;
    const key =
      mode === 'move'
        ? `move|${target?.code}|${code}`
        : mode === 'inventory'
          ? `audit|${audit?.id}|${code}`
          : `${mode}|${code}`;
    if (done.current.has(key)) return show({ shown, outcome: 'duplicate', say: (w) => w.againInSession });
    const commit = (result: Omit<ScanResult, 'id' | 'at' | 'shown' | 'outcome'> & { outcome?: Outcome }) => {
      done.current.add(key);
      show({ outcome: 'committed', shown, ...result });
    };

    if (mode === 'checkIn' || mode === 'move') {
      if (!target) return show({ shown, outcome: 'refused', say: (w) => w.needLocation });
      const body = { locationCode: target.code };
      const path = { params: { path: { code } } };
      const { item } = await witnessed(code, undefined, (witness) =>
        mode === 'checkIn'
          ? ok(api.POST('/items/{code}/check-in', { ...path, body: { ...body, witness } }))
          : ok(api.POST('/items/{code}/move', { ...path, body: { ...body, witness } })),
      );
      return commit({ say: (w) => (mode === 'checkIn' ? w.checkedIn(place(target)) : w.moved(place(target))), item });
    }

    if (mode === 'inventory') {
      if (!audit) return show({ shown, outcome: 'refused', say: (w) => w.needAudit });
      const seen = await ok(
        api.POST('/audits/{id}/scans', {
          params: { path: { id: audit.id } },
          body: { code, locationCode: audit.seenAt.code },
        }),
      );
      const next = { ...audit, scanned: audit.scanned + 1 };
      setAudit(next);
      state.current.audit = next;
      return seen.known ? commit({ say: (w) => w.seen }) : commit({ outcome: 'warning', say: (w) => w.unknownSeen });
    }

    const path = { params: { path: { code } } };
    if (mode === 'checkOut') {
      const [item, loans] = await Promise.all([
        ok(api.GET('/items/{code}', path)),
        ok(api.GET('/requests', { params: { query: { kind: 'loan', status: 'approved', item: code, limit: 1 } } })),
      ]);
      const loan = loans.items[0];
      if (!loan) return show({ shown, outcome: 'refused', say: (w) => w.noLoan, item });
      const answer = await ask({ kind: 'checkOut', code, item, loan, witness: WITNESSED.has(item.category) });
      if (!answer) throw new Cancelled();
      await witnessed(
        code,
        item.category,
        (witness) =>
          ok(
            api.POST('/items/{code}/check-out', {
              ...path,
              body: { requestId: loan.id, condition: answer.condition ?? '', witness },
            }),
          ),
        answer.witness,
      );
      return commit({ say: (w) => w.checkedOut(loan.borrower ?? ''), item });
    }

    // Return: to the location scanned, with what the clerk sees compared against the record.
    if (!target) return show({ shown, outcome: 'refused', say: (w) => w.needLocation });
    const item = await ok(api.GET('/items/{code}', path));
    if (item.state !== 'on_loan') {
      return show({ shown, outcome: 'refused', say: (w, c) => w.notOnLoan(c[`state_${item.state}`]), item });
    }
    const answer = await ask({ kind: 'return', code, item, witness: WITNESSED.has(item.category) });
    if (!answer) throw new Cancelled();
    const returned = await witnessed(
      code,
      item.category,
      (witness) =>
        ok(
          api.POST('/items/{code}/return', {
            ...path,
            body: {
              locationCode: target.code,
              condition: answer.condition ?? '',
              sealNumber: answer.sealNumber || undefined,
              quantity: answer.quantity || undefined,
              weightGrams: answer.weightGrams || undefined,
              witness,
            },
          }),
        ),
      answer.witness,
    );
    if (returned.mismatches.length === 0) return commit({ say: (w) => w.returned(place(target)), item });
    commit({
      outcome: 'warning',
      say: (w) => w.returnedWithMismatch(place(target)),
      lines: returned.mismatches.map(mismatchWords),
      item,
    });
  }

  async function handle(raw: string) {
    const scan = classifyScan(raw);
    const mode = state.current.mode;
    const shown = raw.trim();
    try {
      if (scan.kind === 'typo') {
        const r = scan.reading;
        const say: Say =
          r.reason === 'length'
            ? (w) => w.typo_length(r.length)
            : r.reason === 'character'
              ? (w) => w.typo_character(r.character)
              : (w) => w.typo_check;
        return show({ shown, outcome: 'refused', say });
      }
      if (scan.kind === 'unreadable') return show({ shown, outcome: 'refused', say: (w) => w.unreadable });
      if (scan.kind === 'location') return await onLocation(scan.code, mode);
      await onItem(scan.code, mode);
    } catch (error) {
      if (error instanceof Cancelled) return show({ shown, outcome: 'refused', say: (w) => w.cancelled });
      const notALocation = scan.kind === 'location' && (error as { status?: number }).status === 404;
      show({
        shown: scan.kind === 'item' ? formatItemCode(scan.code) : shown,
        outcome: 'refused',
        say: notALocation ? (w) => w.unknownLocation(shown) : explain(error),
        detail: (error as Error).message,
      });
    }
  }

  /** A scan, typed or decoded by the camera: queued behind the ones before it. */
  const scan = useCallback((raw: string) => {
    if (!raw.trim()) return;
    queue.current = queue.current.then(() => handle(raw));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const setMode = useCallback((next: Mode) => {
    setModeState(next);
    state.current.mode = next;
  }, []);

  const closeAudit = useCallback(async () => {
    const open = state.current.audit;
    if (!open) return;
    try {
      const result = await ok(api.POST('/audits/{id}/close', { params: { path: { id: open.id } } }));
      setAudit(undefined);
      state.current.audit = undefined;
      setAuditResult(result);
      show({
        shown: open.place.code,
        outcome: result.missing.length || result.mislocated.length || result.unknown.length ? 'warning' : 'committed',
        say: (w) => `${w.auditResult}: ${place(open.place)}`,
      });
    } catch (error) {
      show({ shown: open.place.code, outcome: 'refused', say: explain(error), detail: (error as Error).message });
    }
  }, [show]);

  return { mode, setMode, target, audit, auditResult, results, dialog, scan, closeAudit };
}
