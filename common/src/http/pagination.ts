// Cursor pagination shared by the services' list routes (GET /api/tickets, GET /api/orders): the page
// arithmetic their domain uses, and the query rules and Link header their routes use.
import { Types } from 'mongoose';
import type { Request, Response } from 'express';
import { query } from 'express-validator';

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

export const LIMIT_MESSAGE = `Limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}`;
export const AFTER_MESSAGE = 'After must be a cursor from a Link header';

const WHOLE_NUMBER = /^[1-9][0-9]{0,2}$/;

/** `limit` (1-200, default 50) and `after` (a cursor this service wrote); anything else, repeated keys included, is a 400. */
export const pageRules = () => [
  query('limit')
    .optional()
    .custom((value: unknown) => typeof value === 'string' && WHOLE_NUMBER.test(value) && Number(value) <= MAX_PAGE_LIMIT)
    .withMessage(LIMIT_MESSAGE),
  query('after')
    .optional()
    .custom((value: unknown) => decodeCursor(value) !== null)
    .withMessage(AFTER_MESSAGE),
];

/** The page a request asks for, once `pageRules` passed. */
export function pageRequest(req: Request): PageRequest {
  const limit = req.query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(req.query.limit);
  const after = decodeCursor(req.query.after);
  return after ? { limit, after } : { limit };
}

/** `Link: <path?limit=…&after=…>; rel="next"` when there is a next page (RFC 8288; a path relative to the host). */
export function linkNextPage(req: Request, res: Response, page: PageRequest, next: string | undefined): void {
  if (!next) return;
  const path = `${req.baseUrl}${req.path}`;
  res.setHeader('Link', `<${path}?${new URLSearchParams({ limit: String(page.limit), after: next }).toString()}>; rel="next"`);
}
