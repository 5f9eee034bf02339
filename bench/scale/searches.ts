import type { ItemFilters } from '../../src/custody/items/item-queries';
import type { GeneratedCentre } from './generate';

type Sample = GeneratedCentre['sample'];

/**
 * Every search of GET /items the console makes, by what it filters on, with the tables beside `items` and
 * `ledger_events` that it must read by index: tests/scale.test.ts checks their plans, bench/scale.bench.ts
 * times them.
 */
export const SEARCHES: [string, (sample: Sample) => Partial<ItemFilters>, string[]?][] = [
  ['by code', (s) => ({ q: s.itemCode, sort: 'code' })],
  ['by case number', (s) => ({ caseNumber: s.caseNumber }), ['cases']],
  ['for a Chinese word in the description', () => ({ q: '手机' })],
  ['on loan', () => ({ state: 'on_loan' })],
  ['stored', () => ({ state: 'stored' })],
  ['by category', () => ({ category: 'firearm' })],
  ['in a location subtree', (s) => ({ location: s.zoneCode }), ['item_places']],
  ['page 20 of a location subtree', (s) => ({ location: s.zoneCode, offset: 1000 }), ['item_places']],
  ['in a location subtree, sorted by code', (s) => ({ location: s.zoneCode, sort: 'code' })],
  ['of an agency', (s) => ({ agency: s.agencyCode })],
  ['due for review', () => ({ reviewDue: true })],
  ['sorted by code', () => ({ sort: 'code', order: 'asc' })],
  ['sorted by item number', () => ({ sort: 'itemNo' })],
  ['sorted by last event', () => ({ sort: 'lastEventAt' })],
  ['sorted by review date', () => ({ sort: 'reviewDate' })],
  ['sorted by loan due', () => ({ sort: 'loanDueAt' })],
  ['sorted by category', () => ({ sort: 'category' })],
  ['sorted by state', () => ({ sort: 'state' })],
  ['page 100 sorted by code', () => ({ sort: 'code', offset: 5000 })],
];
