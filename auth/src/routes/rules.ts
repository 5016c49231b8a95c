import { body } from 'express-validator';
import { isCommonPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordLength } from '../domain/password-policy';

// Each rule checks the type first, so an object such as {"$gt": ""} is a 400, never a query operator.
// Passwords are never trimmed: every character counts.

export const EMAIL_MESSAGE = 'Email must be valid';
export const PASSWORD_LENGTH_MESSAGE = `Password must be between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters`;
export const COMMON_PASSWORD_MESSAGE = 'Password is too common; choose another';
export const PASSWORD_REQUIRED_MESSAGE = 'You must supply a password';

/** A supplied password longer than this cannot be right; it is refused before any hashing. */
const SUPPLIED_PASSWORD_MAX = 1024;

/** A valid email, trimmed and lower-cased (how it is stored). */
export const emailRule = () =>
  body('email').isString().withMessage(EMAIL_MESSAGE).bail().trim().isEmail().withMessage(EMAIL_MESSAGE).bail().toLowerCase();

/** A new password: a string of 8 to 128 characters, as typed, and not a common or breached one. */
export const newPasswordRule = () =>
  body('password')
    .isString()
    .withMessage(PASSWORD_LENGTH_MESSAGE)
    .bail()
    .custom((value: string) => passwordLength(value) >= PASSWORD_MIN_LENGTH && passwordLength(value) <= PASSWORD_MAX_LENGTH)
    .withMessage(PASSWORD_LENGTH_MESSAGE)
    .bail()
    .custom((value: string) => !isCommonPassword(value))
    .withMessage(COMMON_PASSWORD_MESSAGE);

/** A password to check: a non-empty string, as typed. */
export const suppliedPasswordRule = () =>
  body('password')
    .isString()
    .withMessage(PASSWORD_REQUIRED_MESSAGE)
    .bail()
    .custom((value: string) => value.length > 0 && value.length <= SUPPLIED_PASSWORD_MAX)
    .withMessage(PASSWORD_REQUIRED_MESSAGE);

/** The body after the rules above ran: both fields are strings. */
export interface CredentialsBody {
  email: string;
  password: string;
}
