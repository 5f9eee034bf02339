import { InvalidTransitionError } from '../../errors';
import type { Category, PhysicalState } from './item-kinds';

/** Commands that move an item between physical states (DESIGN.md, "The item's life"). */
export const PHYSICAL_COMMANDS = {
  handover: { from: ['registered'], to: 'received' },
  locker_deposit: { from: ['registered'], to: 'in_locker' },
  locker_retrieve: { from: ['in_locker'], to: 'received' },
  check_in: { from: ['received'], to: 'stored' },
  move: { from: ['stored'], to: 'stored' },
  check_out: { from: ['stored'], to: 'on_loan' },
  return: { from: ['on_loan'], to: 'stored' },
  dispose: { from: ['received', 'stored'], to: 'disposed' },
} as const satisfies Record<string, { from: readonly PhysicalState[]; to: PhysicalState }>;
export type PhysicalCommand = keyof typeof PHYSICAL_COMMANDS;

/** Commands that leave the physical state as it is but are refused once an item is disposed. */
const RECORD_COMMANDS = [
  'request',
  'hold',
  'transfer',
  'correction',
  'attachment',
  'review_date',
  'label',
  'audit',
] as const;
export type RecordCommand = (typeof RECORD_COMMANDS)[number];

export function allowedCommands(state: PhysicalState): string[] {
  const physical = Object.entries(PHYSICAL_COMMANDS)
    .filter(([, rule]) => (rule.from as readonly PhysicalState[]).includes(state))
    .map(([name]) => name);
  // A disposed item's history can still be corrected and documented, nothing else.
  const records = state === 'disposed' ? ['correction', 'attachment'] : [...RECORD_COMMANDS];
  return [...physical, ...records];
}

/** The state after `command`, or an error naming the current state and what is allowed. */
export function transition(
  itemCode: string,
  state: PhysicalState,
  command: PhysicalCommand | RecordCommand,
): PhysicalState {
  const allowed = allowedCommands(state);
  if (!allowed.includes(command)) throw new InvalidTransitionError(itemCode, command, state, allowed);
  return command in PHYSICAL_COMMANDS ? PHYSICAL_COMMANDS[command as PhysicalCommand].to : state;
}

/** Categories for which a second person must witness check-in, check-out, return and disposal. */
export const WITNESSED_CATEGORIES: readonly Category[] = ['cash', 'drugs', 'firearm', 'valuables'];
export const WITNESSED_COMMANDS: readonly PhysicalCommand[] = ['check_in', 'check_out', 'return', 'dispose'];

export function needsWitness(category: Category, command: PhysicalCommand): boolean {
  return WITNESSED_CATEGORIES.includes(category) && WITNESSED_COMMANDS.includes(command);
}
