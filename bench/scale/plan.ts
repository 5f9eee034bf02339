import type { EventDraft } from '../../src/custody/ledger/append';
import type { Json } from '../../src/custody/ledger/canonical-json';
import type { EventType } from '../../src/custody/ledger/events';
import type { ItemState } from '../../src/custody/items/projection';
import { reviewDateFor } from '../../src/custody/items/cases';
import { dueMessage } from '../../src/custody/items/alerts';
import { requestPayload } from '../../src/custody/items/request-events';
import type { CustodyRequest } from '../../src/custody/items/request.entity';
import { needsWitness, type PhysicalCommand } from '../../src/custody/items/state-machine';
import { REQUIRED_FEATURE } from '../../src/custody/directory/locations';
import { DAY, HOUR, MINUTE, Random, uuid, itemCode, iso } from './seeded';
import { line } from './copy-text';
import type { Directory, Person } from './directory';
import { BORROWERS, caseSize, particulars, pickCategory, PURPOSES, SURNAMES } from './particulars';

/** Each case's items and their lives, as events to be built in time order, with the rows their commands write. */

/** One event to be, at time `t`, built from the item's state then (null: it no longer applies then). */
interface Planned {
  t: number;
  item: number;
  order: number;
  /** `state` is null for the registration only. */
  make: (state: ItemState) => Omit<EventDraft, 'item'> | null;
}

interface RequestRow {
  id: string;
  kind: 'loan' | 'transfer' | 'disposal';
  status: string;
  agencyId: string;
  requesterId: string;
  reason: string;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  borrower: string | null;
  purpose: string | null;
  dueAt: number | null;
  toAgencyId: string | null;
  answeredBy: string | null;
  answeredAt: number | null;
  answerNote: string | null;
  method: string | null;
  orderReference: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A step of a request: its time, the status it leaves, and the event each of its items gets then. */
interface Step {
  t: number;
  status: string;
  type: EventType;
  actor: Person;
  /** Keys the command adds to the request's payload. */
  extra?: { [key: string]: Json | undefined };
  /** An event of the item's own (check-out, disposal) rather than the request's. */
  draft?: (state: ItemState, item: number, request: RequestRow) => Omit<EventDraft, 'item'>;
  /** What the step writes on the request row. */
  set?: Partial<RequestRow>;
}

/** One transaction's worth: its cases, their items' events, and the rows beside them. */
export class Chunk {
  planned: Planned[] = [];
  private order = 0;
  cases: string[] = [];
  handovers: string[] = [];
  requests: RequestRow[] = [];
  requestItems: [string, number, number | null][] = [];
  itemIds: string[] = [];

  at(t: number, item: number, make: Planned['make']): void {
    this.planned.push({ t, item, order: this.order++, make });
  }
}

export interface Generator {
  seed: number;
  random: Random;
  directory: Directory;
  start: number;
  until: number;
  totalItems: number;
  /** Items of the transactions written so far. */
  madeItems: number;
  cases: number;
  requests: number;
  compartment: number;
}

/** Plans one case and the lives of its items, adding them to `chunk`. */
export function planCase(g: Generator, chunk: Chunk): void {
  const { random, directory: d, until } = g;
  const caseNo = g.cases++;
  const first = chunk.itemIds.length;
  const base = g.madeItems + first;
  // The last items came in the last five days, in small cases, some still in the lockers or at the counter;
  // the last seizure is a day before `until`, so that every item is at least registered by then.
  const total = g.totalItems;
  const reserve = Math.min(Math.floor(total / 2), Math.max(20, Math.ceil(total * 0.005)));
  const late = base >= total - reserve;
  const size = Math.min(caseSize(random), late ? 3 : total - reserve - base, total - base);
  const seizedAtMs =
    Math.floor(
      (late
        ? until - 5 * DAY + ((base - total + reserve) / reserve) * 4 * DAY
        : g.start + (base / (total - reserve)) * (until - g.start - 7 * DAY) + random.next() * 2 * DAY) / MINUTE,
    ) * MINUTE;
  const roll = random.next();
  let owner = roll < 0.86 ? random.pick(d.police) : d.receivers[roll < 0.92 ? 0 : roll < 0.96 ? 1 : 2]!;
  const officer = random.pick(owner.officers);
  const year = new Date(seizedAtMs).getUTCFullYear();
  const caseId = uuid(g.seed, 'case', caseNo);
  const caseNumber = `${owner.code.slice(3)}-${year}-${String(caseNo + 1).padStart(6, '0')}`;
  const title = `${random.pick(SURNAMES)}某某涉嫌${random.pick(['盗窃', '诈骗', '贩毒', '抢劫', '走私'])}案`;
  const opened = iso(seizedAtMs - DAY);
  chunk.cases.push(
    line([caseId, owner.id, caseNumber, title, opened.slice(0, 10), 'open', size + 1, officer.id, opened]),
  );

  const members = Array.from({ length: size }, (_, i) => first + i);
  for (let i = 0; i < size; i++) chunk.itemIds.push(uuid(g.seed, 'item', base + i));
  const main = pickCategory(random);
  const categories = members.map(() => (random.chance(0.6) ? main : pickCategory(random)));
  const categoryOf = (item: number) => categories[item - first]!;
  const seizedAt = iso(seizedAtMs);
  const warehouse = random.pick(d.warehouse);
  const witness = d.warehouse[(d.warehouse.indexOf(warehouse) + 1) % d.warehouse.length]!;
  const witnessFor = (item: number, command: PhysicalCommand) =>
    needsWitness(categoryOf(item), command) ? witness.id : null;

  // Registered a few hours after the seizure, its labels printed at once.
  let t = seizedAtMs + random.between(1, 8) * HOUR;
  members.forEach((item, i) => {
    const payload = {
      ...particulars(random, categories[i]!, seizedAt),
      code: itemCode(g.seed, base + i),
      caseId,
      itemNo: String(i + 1),
      seizedBy: officer.id,
      reviewDate: reviewDateFor(categories[i]!, seizedAt),
    };
    chunk.at(t, item, () => ({
      itemId: chunk.itemIds[item]!,
      type: 'registered',
      actor: officer,
      to: 'registered',
      location: null,
      occurredAt: seizedAt,
      payload,
    }));
  });
  const label = (when: number) =>
    members.forEach((item) =>
      chunk.at(when, item, (s) => ({
        type: 'label_printed',
        actor: officer,
        to: s.state,
        payload: {
          copies: '1',
          format: 'pdf',
          size: '100x50mm',
          reprint: s.labelPrints > 0,
          reason: s.labelPrints > 0 ? '标签污损，重新打印' : undefined,
        },
      })),
    );
  t += random.between(5, 30) * MINUTE;
  label(t);

  // To the centre: a hand-over at the counter, or (small ordinary cases) a locker the warehouse empties.
  const special = categories.some((c) => REQUIRED_FEATURE[c]);
  // Lockers serve small ordinary cases, and every one brought in the last days, after hours.
  if (size <= 3 && !special && random.chance(late ? 0.7 : 0.4)) {
    t += random.between(1, 12) * HOUR;
    for (const item of members) {
      const compartment = d.compartments[g.compartment++ % d.compartments.length]!;
      chunk.at(t, item, () => ({
        type: 'locker_deposit',
        actor: officer,
        to: 'in_locker',
        location: compartment.id,
        payload: { compartment: compartment.code },
      }));
    }
    t += random.between(2, 48) * HOUR + (late ? 4 * DAY : random.next() ** 6 * 20 * DAY);
    for (const item of members) {
      chunk.at(t, item, (s) => ({
        type: 'locker_retrieve',
        actor: warehouse,
        to: 'received',
        location: null,
        payload: { fromLocationId: s.locationId },
      }));
    }
  } else {
    // Most within days; a few wait weeks at the station.
    t += late ? random.between(2, 24) * HOUR : DAY + random.next() ** 4 * 40 * DAY;
    const handoverId = uuid(g.seed, 'handover', caseNo);
    const ids = members.map((item) => chunk.itemIds[item]!);
    if (t <= until) chunk.handovers.push(line([handoverId, officer.id, warehouse.id, ids, null, iso(t)]));
    for (const item of members) {
      chunk.at(t, item, () => ({
        type: 'handover',
        actor: warehouse,
        to: 'received',
        location: null,
        payload: { handoverId, fromUserId: officer.id, toUserId: warehouse.id, note: undefined },
      }));
    }
  }

  // Checked in on a shelf of a general zone, or of the room its category needs.
  t += late ? random.between(3, 6) * DAY : random.between(1, 48) * HOUR;
  const checkIn = t;
  const zone = random.pick(d.zones);
  const caseShelf = random.pick(zone.shelves);
  const shelfPool = (item: number) => {
    const feature = REQUIRED_FEATURE[categoryOf(item)];
    return feature ? d.shelves.get(feature)! : zone.shelves;
  };
  const shelves = members.map((item) =>
    REQUIRED_FEATURE[categoryOf(item)] ? random.pick(shelfPool(item)) : caseShelf,
  );
  for (const item of members) {
    chunk.at(t, item, () => ({
      type: 'check_in',
      actor: warehouse,
      to: 'stored',
      location: shelves[item - first]!,
      payload: { witnessId: witnessFor(item, 'check_in'), note: undefined },
    }));
  }
  if (random.chance(0.2)) label(t + random.between(1, 30) * DAY);

  // Moves in the first three months: a shelf reorganized, an item put with its kind.
  for (const item of members) {
    const moves = random.pick([0, 1, 1, 2, 2, 2, 3, 4]);
    const times = Array.from({ length: moves }, () => checkIn + random.between(3, 90) * DAY).sort((a, b) => a - b);
    for (const when of times) {
      const to = random.pick(shelfPool(item));
      chunk.at(when, item, (s) =>
        s.locationId === to
          ? null
          : {
              type: 'move',
              actor: warehouse,
              to: 'stored',
              location: to,
              payload: { fromLocationId: s.locationId, note: undefined },
            },
      );
    }
  }

  /** A request of `kind` for `items` and its steps; its row says what it had come to by `until`. */
  const request = (kind: RequestRow['kind'], items: number[], fields: Partial<RequestRow>, steps: Step[]) => {
    const by = random.pick(owner.officers);
    const row: RequestRow = {
      id: uuid(g.seed, 'request', g.requests++),
      kind,
      status: 'requested',
      agencyId: owner.id,
      requesterId: by.id,
      reason: '办案需要',
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      borrower: null,
      purpose: null,
      dueAt: null,
      toAgencyId: null,
      answeredBy: null,
      answeredAt: null,
      answerNote: null,
      method: null,
      orderReference: null,
      createdAt: steps[0]!.t,
      updatedAt: steps[0]!.t,
      ...fields,
    };
    if (row.createdAt > until) return null;
    chunk.requests.push(row);
    let running = { ...row };
    const carried = new Map<number, number>();
    steps.forEach((step, k) => {
      running = { ...running, ...step.set };
      if (step.t <= until) {
        Object.assign(row, step.set, { status: step.status, updatedAt: step.t });
        if (step.draft || step.type === 'transfer_accepted') for (const item of items) carried.set(item, step.t);
      }
      // What every event of the request records of it: the server's requestPayload of the row as it stood.
      const payload = {
        ...requestPayload({
          ...running,
          dueAt: running.dueAt === null ? null : new Date(running.dueAt),
        } as unknown as CustodyRequest),
        decisionNote: running.decisionNote,
        ...step.extra,
      };
      const actor = k === 0 ? by : step.actor;
      for (const item of items) {
        chunk.at(step.t, item, (s) =>
          step.draft ? step.draft(s, item, row) : { type: step.type, actor, to: s.state, requestId: row.id, payload },
        );
      }
    });
    for (const item of items) chunk.requestItems.push([row.id, item, carried.get(item) ?? null]);
    return row;
  };

  // A legal hold on some cases; half are lifted later.
  let cursor = checkIn + 91 * DAY;
  let heldUntil = 0;
  if (random.chance(0.12)) {
    const by = owner.approver;
    const placed = checkIn + random.between(2, 60) * DAY;
    heldUntil = random.chance(0.5) ? placed + random.between(60, 400) * DAY : Infinity;
    for (const item of members) {
      chunk.at(placed, item, (s) => ({
        type: 'hold_placed',
        actor: by,
        to: s.state,
        payload: { reason: '案件审理中，暂停处置' },
      }));
      if (heldUntil < Infinity) {
        chunk.at(heldUntil, item, (s) => ({
          type: 'hold_released',
          actor: by,
          to: s.state,
          payload: { reason: '判决已生效，解除保全' },
        }));
      }
    }
  }

  // Loans to a laboratory or a court, most back in time; an overdue one raises its alert.
  for (let loan = 0; loan < 3 && random.chance(loan === 0 ? 0.45 : 0.3); loan++) {
    const items = random.chance(0.5) ? members : members.filter(() => random.chance(0.5));
    if (items.length === 0) continue;
    const approver = owner.approver;
    const created = cursor + random.between(4, 200) * DAY;
    const approved = created + random.between(0.2, 3) * DAY;
    const out = approved + random.between(0.2, 3) * DAY;
    // A laboratory keeps an item a few weeks; a court, for months of hearings.
    const days = random.chance(0.3) ? 180 : 30;
    const due = Math.floor((out + days * DAY) / HOUR) * HOUR;
    const late = random.chance(0.15);
    const back = late ? due + random.between(2, 40) * DAY : out + random.between(0.1, 0.95) * days * DAY;
    const loanRow = request(
      'loan',
      items,
      { borrower: random.pick(BORROWERS), purpose: random.pick(PURPOSES), dueAt: due, reason: '送检鉴定' },
      [
        { t: created, status: 'requested', type: 'request_created', actor: approver },
        {
          t: approved,
          status: 'approved',
          type: 'request_approved',
          actor: approver,
          set: { decidedBy: approver.id, decidedAt: approved, decisionNote: '同意' },
        },
        {
          t: out,
          status: 'carried_out',
          type: 'check_out',
          actor: warehouse,
          draft: (s, item, r) => ({
            type: 'check_out',
            actor: warehouse,
            to: 'on_loan',
            location: null,
            requestId: r.id,
            payload: {
              borrower: r.borrower,
              purpose: r.purpose,
              dueAt: iso(r.dueAt!),
              condition: '完好',
              fromLocationId: s.locationId,
              witnessId: witnessFor(item, 'check_out'),
            },
          }),
        },
      ],
    );
    if (!loanRow) break;
    for (const item of items) {
      if (late) {
        chunk.at(due + DAY + HOUR, item, (s) =>
          s.state === 'on_loan'
            ? {
                type: 'alert',
                actor: null,
                to: s.state,
                payload: { kind: 'loan_overdue', message: dueMessage('loan_overdue', s) },
              }
            : null,
        );
      }
      const shelf = shelves[item - first]!;
      chunk.at(back, item, (s) => ({
        type: 'return',
        actor: warehouse,
        to: 'stored',
        location: shelf,
        requestId: s.loanRequestId,
        payload: {
          condition: '完好，封条无损',
          sealNumber: s.sealNumber ?? undefined,
          quantity: undefined,
          weightGrams: undefined,
          mismatches: [],
          witnessId: witnessFor(item, 'return'),
          note: undefined,
        },
      }));
    }
    cursor = back + DAY;
  }

  // A transfer to the procuratorate or the court, mostly accepted.
  if (owner.kind === 'police' && random.chance(0.08)) {
    const to = random.pick(d.receivers.slice(0, 2));
    const approver = owner.approver;
    const receiver = to.officers[0]!;
    const created = cursor + random.between(5, 120) * DAY;
    const offered = created + random.between(0.5, 3) * DAY;
    const answered = offered + random.between(0.5, 5) * DAY;
    const accepted = random.chance(0.9);
    request('transfer', members, { toAgencyId: to.id, reason: '移送审查起诉' }, [
      { t: created, status: 'requested', type: 'request_created', actor: approver },
      {
        t: offered,
        status: 'approved',
        type: 'transfer_offered',
        actor: approver,
        set: { decidedBy: approver.id, decidedAt: offered },
      },
      accepted
        ? {
            t: answered,
            status: 'carried_out',
            type: 'transfer_accepted',
            actor: receiver,
            extra: { fromAgencyId: owner.id, answerNote: undefined },
            set: { answeredBy: receiver.id, answeredAt: answered },
          }
        : {
            t: answered,
            status: 'refused',
            type: 'transfer_refused',
            actor: receiver,
            extra: { answerNote: '证据材料不全' },
            set: { answeredBy: receiver.id, answeredAt: answered, answerNote: '证据材料不全' },
          },
    ]);
    if (accepted) owner = to;
    cursor = answered + DAY;
  }

  // A disposal asked for and turned down, or withdrawn by an approver of the agency.
  if (random.chance(0.05)) {
    const approver = owner.approver;
    const created = cursor + random.between(5, 60) * DAY;
    const answered = created + random.between(1, 10) * DAY;
    request(
      'disposal',
      members,
      { method: 'destroyed', orderReference: `泰公决字〔${year}〕${caseNo}号`, reason: '案件已结' },
      [
        { t: created, status: 'requested', type: 'request_created', actor: approver },
        random.chance(0.6)
          ? {
              t: answered,
              status: 'rejected',
              type: 'request_rejected',
              actor: approver,
              set: { decidedBy: approver.id, decidedAt: answered, decisionNote: '判决尚未生效' },
            }
          : {
              t: answered,
              status: 'cancelled',
              type: 'request_cancelled',
              actor: approver,
              extra: { cancelReason: '提交有误' },
            },
      ],
    );
    cursor = answered + DAY;
  }

  // Review dates put off by the approver, ten days before they fall due.
  const reviewOf = (item: number) => Date.parse(`${reviewDateFor(categoryOf(item), seizedAt)}T00:00:00.000Z`);
  const putOff = random.chance(0.08);
  if (putOff) {
    const by = owner.approver;
    for (const item of members) {
      const when = reviewOf(item) - 10 * DAY + 9 * HOUR;
      const later = iso(reviewOf(item) + 180 * DAY).slice(0, 10);
      if (when <= checkIn) continue;
      chunk.at(when, item, (s) =>
        s.state === 'disposed'
          ? null
          : {
              type: 'review_date_set',
              actor: by,
              to: s.state,
              payload: { reviewDate: later, previous: s.reviewDate, reason: '案件尚未审结，需继续保存' },
            },
      );
    }
  }

  // Disposed of after its review date and any hold: returned, confiscated, destroyed, auctioned.
  if (heldUntil !== Infinity && random.chance(0.8)) {
    const approver = owner.approver;
    const review = Math.max(...members.map(reviewOf)) + (putOff ? 190 * DAY : 0);
    const created = Math.max(cursor, review, heldUntil) + random.between(2, 60) * DAY;
    const approved = created + random.between(0.5, 5) * DAY;
    const done = approved + random.between(2, 15) * DAY;
    const method = ['drugs', 'hazardous', 'biological', 'weapon', 'firearm'].includes(main)
      ? 'destroyed'
      : main === 'cash'
        ? 'confiscated'
        : random.pick(['returned_to_owner', 'returned_to_owner', 'auctioned', 'released_to_other_authority']);
    const orderReference = `(${year})鲁09刑初${caseNo % 1000}号`;
    request('disposal', members, { method, orderReference, reason: '判决生效，依法处置' }, [
      { t: created, status: 'requested', type: 'request_created', actor: approver },
      {
        t: approved,
        status: 'approved',
        type: 'request_approved',
        actor: approver,
        set: { decidedBy: approver.id, decidedAt: approved, decisionNote: '同意处置' },
      },
      {
        t: done,
        status: 'carried_out',
        type: 'disposed',
        actor: warehouse,
        draft: (s, item, r) => ({
          type: 'disposed',
          actor: warehouse,
          to: 'disposed',
          location: null,
          requestId: r.id,
          payload: {
            method,
            orderReference,
            recipient: method === 'returned_to_owner' ? (s.seizedFrom ?? '原所有人') : undefined,
            fromLocationId: s.locationId,
            witnessId: witnessFor(item, 'dispose'),
            note: undefined,
          },
        }),
      },
    ]);
  }

  // The daily job's review alert, for each item not disposed of by its review date.
  for (const item of members) {
    const due = reviewOf(item) + DAY;
    chunk.at(due + 2 * HOUR, item, (s) =>
      s.state === 'disposed' || s.reviewDate > iso(due).slice(0, 10)
        ? null
        : {
            type: 'alert',
            actor: null,
            to: s.state,
            payload: { kind: 'review_due', message: dueMessage('review_due', s) },
          },
    );
  }
}
