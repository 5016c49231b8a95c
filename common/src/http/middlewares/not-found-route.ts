import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors/not-found-error';

/** Mount after every route: anything unmatched is a 404 in the error shape. */
export const notFoundRoute: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError());
};
