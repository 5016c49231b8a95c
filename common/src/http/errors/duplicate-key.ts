/**
 * True for MongoDB's duplicate-key error (code 11000), however the driver surfaced it: a unique index
 * turned a concurrent insert away (e.g. two signups with one email, or an event already in the inbox).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
