import { Types } from 'mongoose';

// Pages of a list ordered by `_id`: each page is an index range (`_id > after`), so a page costs the
// same however deep it is, and an insert during a walk can only land after the cursor (ids grow).

/** The largest page a client may ask for, and the page it gets when it names none. */
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_PAGE_LIMIT = 50;

/** What a list is asked for: at most `limit` items after the item `after` names (its id). */
export interface PageRequest {
  limit: number;
  /** The id of the last item of the previous page (decoded from the cursor). */
  after?: string;
}

/** One page and, when there is more, the cursor of the next one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

const CURSOR = /^[A-Za-z0-9_-]{16}$/;

/** The opaque cursor after an item: its id's 12 bytes in base64url. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'hex').toString('base64url');
}

/** The id a cursor names, or null when it is not one this service wrote. */
export function decodeCursor(cursor: unknown): string | null {
  if (typeof cursor !== 'string' || !CURSOR.test(cursor)) return null;
  const bytes = Buffer.from(cursor, 'base64url');
  // Only the canonical form: a cursor decodes to exactly one id and back.
  if (bytes.length !== 12 || bytes.toString('base64url') !== cursor) return null;
  return bytes.toString('hex');
}

/** The `_id` condition of a page: after the cursor's id, or everything. */
export function afterCondition(page: PageRequest): { _id?: { $gt: Types.ObjectId } } {
  return page.after ? { _id: { $gt: new Types.ObjectId(page.after) } } : {};
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says there is a next page. */
export function toPage<R, T extends { id: string }>(rows: readonly R[], page: PageRequest, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, page.limit).map(map);
  const last = items[items.length - 1];
  return rows.length > page.limit && last ? { items, next: encodeCursor(last.id) } : { items };
}
