/** What an item is and the physical states it passes through; its row is described by ItemState (projection.ts). */
export const CATEGORIES = [
  'cash',
  'drugs',
  'firearm',
  'weapon',
  'valuables',
  'electronics',
  'vehicle',
  'document',
  'biological',
  'hazardous',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const PHYSICAL_STATES = ['registered', 'received', 'in_locker', 'stored', 'on_loan', 'disposed'] as const;
export type PhysicalState = (typeof PHYSICAL_STATES)[number];
