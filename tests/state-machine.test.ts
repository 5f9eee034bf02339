import {
  allowedCommands,
  needsWitness,
  PHYSICAL_COMMANDS,
  transition,
  type PhysicalCommand,
} from '../src/custody/items/state-machine';
import { PHYSICAL_STATES, type PhysicalState } from '../src/custody/items/item-kinds';
import { InvalidTransitionError } from '../src/errors';

// The table of DESIGN.md: every (state, command) pair not listed here is refused.
const ALLOWED: [PhysicalState, PhysicalCommand, PhysicalState][] = [
  ['registered', 'handover', 'received'],
  ['registered', 'locker_deposit', 'in_locker'],
  ['in_locker', 'locker_retrieve', 'received'],
  ['received', 'check_in', 'stored'],
  ['stored', 'move', 'stored'],
  ['stored', 'check_out', 'on_loan'],
  ['on_loan', 'return', 'stored'],
  ['received', 'dispose', 'disposed'],
  ['stored', 'dispose', 'disposed'],
];

describe('state machine', () => {
  test.each(ALLOWED)('from %s, %s leads to %s', (from, command, to) => {
    expect(transition('CODE', from, command)).toBe(to);
  });

  const refused = PHYSICAL_STATES.flatMap((state) =>
    (Object.keys(PHYSICAL_COMMANDS) as PhysicalCommand[])
      .filter((command) => !ALLOWED.some(([f, c]) => f === state && c === command))
      .map((command) => [state, command] as const),
  );
  test.each(refused)('from %s, %s is refused naming the state and what is allowed', (state, command) => {
    expect(() => transition('ABC', state, command)).toThrow(InvalidTransitionError);
    try {
      transition('ABC', state, command);
    } catch (err) {
      const e = err as InvalidTransitionError;
      expect(e.status).toBe(409);
      expect(e.message).toContain(`is ${state}`);
      expect(e.extensions.allowed).toEqual(allowedCommands(state));
    }
  });

  test('a disposed item allows only corrections and attachments', () => {
    expect(allowedCommands('disposed')).toEqual(['correction', 'attachment']);
    expect(() => transition('X', 'disposed', 'hold')).toThrow(/nothing|allowed now: correction, attachment/);
  });

  test('record commands keep the physical state', () => {
    expect(transition('X', 'on_loan', 'hold')).toBe('on_loan');
    expect(transition('X', 'registered', 'request')).toBe('registered');
  });

  test.each([
    ['cash', 'check_in', true],
    ['drugs', 'dispose', true],
    ['firearm', 'check_out', true],
    ['valuables', 'return', true],
    ['cash', 'move', false],
    ['electronics', 'check_in', false],
    ['document', 'dispose', false],
  ] as const)('a %s item at %s needs a witness: %s', (category, command, expected) => {
    expect(needsWitness(category, command)).toBe(expected);
  });
});
