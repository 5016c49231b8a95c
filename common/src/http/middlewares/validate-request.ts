import type { RequestHandler } from 'express';
import { validationResult } from 'express-validator';
import { RequestValidationError } from '../errors/request-validation-error';

/** Place after express-validator chains: 400 with every failed rule, each naming its field. */
export const validateRequest: RequestHandler = (req, _res, next) => {
  const result = validationResult(req);
  if (!result.isEmpty()) return next(new RequestValidationError(result.array()));
  next();
};
