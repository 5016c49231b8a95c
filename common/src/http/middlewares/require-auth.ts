import type { RequestHandler } from 'express';
import { NotAuthorizedError } from '../errors/not-authorized-error';

/** 401 unless `currentUser` found a valid session. Mount after `currentUser`. */
export const requireAuth: RequestHandler = (req, _res, next) => {
  if (!req.currentUser) return next(new NotAuthorizedError());
  next();
};
