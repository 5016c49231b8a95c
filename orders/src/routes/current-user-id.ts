import { NotAuthorizedError } from '@ticketing/common/http';
import type { Request } from 'express';

/** The signed-in user's id (routes mount `requireAuth` first, so this only guards the type). */
export function currentUserId(req: Request): string {
  if (!req.currentUser) throw new NotAuthorizedError();
  return req.currentUser.id;
}
