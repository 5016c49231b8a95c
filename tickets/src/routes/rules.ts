import { body } from 'express-validator';

// Each rule checks the type first, so an object such as {"$gt": ""} is a 400, never a query operator.

export const TITLE_MESSAGE = 'Title is required';
export const PRICE_MESSAGE = 'Price must be a number greater than 0';

/** A non-empty string, stored trimmed. */
export const titleRule = () => body('title').isString().withMessage(TITLE_MESSAGE).bail().trim().notEmpty().withMessage(TITLE_MESSAGE);

/** A JSON number greater than 0 (a numeric string such as "10" is refused: the contract says number). */
export const priceRule = () =>
  body('price')
    .custom((value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0)
    .withMessage(PRICE_MESSAGE);

/** The body once the rules above passed. Other fields are ignored. */
export interface TicketBody {
  title: string;
  price: number;
}
