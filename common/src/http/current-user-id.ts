import type { Request } from 'express';
import { NotAuthorizedError } from './errors/not-authorized-error';

/** The signed-in user's id. Routes mount `requireAuth` first; this guards the type and a missing mount. */
export function currentUserId(req: Request): string {
  if (!req.currentUser) throw new NotAuthorizedError();
  return req.currentUser.id;
}
