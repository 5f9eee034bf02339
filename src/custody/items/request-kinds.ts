// The names a request's fields take. This module imports nothing, so that the console compiles the same lists
// (as it does item-code-rules.ts) instead of keeping copies.

export const REQUEST_KINDS = ['loan', 'transfer', 'disposal', 'correction'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const REQUEST_STATUSES = ['requested', 'approved', 'rejected', 'cancelled', 'carried_out', 'refused'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const LOAN_PURPOSES = ['lab', 'court', 'appraisal', 'remote_display', 'other'] as const;
export const DISPOSAL_METHODS = [
  'returned_to_owner',
  'auctioned',
  'confiscated',
  'destroyed',
  'released_to_other_authority',
] as const;
