import { body } from 'express-validator';

// Each rule checks the type first, so an object such as {"$gt": ""} is a 400, never a query operator.

export const TITLE_MESSAGE = 'Title is required';
export const TITLE_LENGTH_MESSAGE = 'Title must be at most 120 characters';
export const TITLE_CHARACTERS_MESSAGE = 'Title must contain only printable characters';
export const TITLE_VISIBLE_MESSAGE = 'Title must contain a visible character';
export const PRICE_MESSAGE = 'Price must be a number greater than 0';
export const PRICE_MAX_MESSAGE = 'Price must be at most 1000000';
export const PRICE_DECIMALS_MESSAGE = 'Price must have at most 2 decimals';

export const TITLE_MAX_CHARACTERS = 120;
export const PRICE_MAX = 1_000_000;

/**
 * What a title may not contain: control characters (Cc, tabs and newlines included), lone surrogates
 * (Cs), private-use (Co) and unassigned (Cn) code points, and line/paragraph separators (Zl, Zp).
 * Format characters (Cf, e.g. U+200D in emoji sequences) may appear, but not alone.
 */
const FORBIDDEN_IN_TITLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
/** Something one can see: a letter, mark, number, punctuation or symbol. */
const VISIBLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** The stored form of a title: NFC, without surrounding white space. */
export function normalizeTitle(title: string): string {
  return title.normalize('NFC').trim();
}

/** Length in characters (code points), not UTF-16 units: an emoji counts once. */
function characterCount(value: string): number {
  return Array.from(value).length;
}

/**
 * A string of 1 to 120 printable characters after NFC normalisation and trimming; the normalised form
 * is what the route sees (and stores).
 */
export const titleRule = () =>
  body('title')
    .isString()
    .withMessage(TITLE_MESSAGE)
    .bail()
    .customSanitizer((value: string) => normalizeTitle(value))
    .notEmpty()
    .withMessage(TITLE_MESSAGE)
    .bail()
    .custom((value: string) => characterCount(value) <= TITLE_MAX_CHARACTERS)
    .withMessage(TITLE_LENGTH_MESSAGE)
    .bail()
    .custom((value: string) => !FORBIDDEN_IN_TITLE.test(value))
    .withMessage(TITLE_CHARACTERS_MESSAGE)
    .bail()
    .custom((value: string) => VISIBLE.test(value))
    .withMessage(TITLE_VISIBLE_MESSAGE);

/**
 * Whether `value` is exactly the double nearest to a number with at most 2 decimals (what parsing
 * "19.99" gives), so 19.99 and 1000000 pass while 0.1 + 0.2, 1e-7 and 10.123456789012345 do not.
 * `Math.round(value * 100)` finds the candidate cent amount (the product's rounding error is far below
 * half a cent in the allowed range), and integer / 100 is the correctly rounded double of that amount.
 */
export function hasAtMostTwoDecimals(value: number): boolean {
  return Math.round(value * 100) / 100 === value;
}

/** A JSON number greater than 0 and at most 1,000,000 with at most 2 decimals (a numeric string such as "10" is refused). */
export const priceRule = () =>
  body('price')
    .custom((value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0)
    .withMessage(PRICE_MESSAGE)
    .bail()
    .custom((value: number) => value <= PRICE_MAX)
    .withMessage(PRICE_MAX_MESSAGE)
    .bail()
    .custom((value: number) => hasAtMostTwoDecimals(value))
    .withMessage(PRICE_DECIMALS_MESSAGE);

/** The body once the rules above passed. Other fields are ignored. */
export interface TicketBody {
  title: string;
  price: number;
}
