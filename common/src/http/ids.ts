import { body, type ValidationChain } from 'express-validator';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * True for a MongoDB ObjectId written as 24 hex digits, the only id form the API accepts. Stricter than
 * express-validator's isMongoId and mongoose's isValidObjectId, which also take strings that later fail
 * to cast (a 500) or 12-byte strings that cast to an id nobody wrote.
 */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** express-validator rule: the body field `field` is an ObjectId (see `isObjectId`). */
export function objectIdField(field: string, message = `${field} must be a valid id`): ValidationChain {
  return body(field).custom(isObjectId).withMessage(message);
}
