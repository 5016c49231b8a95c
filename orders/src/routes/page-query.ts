import type { Request, Response } from 'express';
import { query } from 'express-validator';
import { decodeCursor, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type PageRequest } from '../domain/page';

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
