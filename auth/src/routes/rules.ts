import { body } from 'express-validator';

// Each rule checks the type first, so an object such as {"$gt": ""} is a 400, never a query operator.

export const EMAIL_MESSAGE = 'Email must be valid';
export const PASSWORD_LENGTH_MESSAGE = 'Password must be between 4 and 20 characters';
export const PASSWORD_REQUIRED_MESSAGE = 'You must supply a password';

/** A valid email, trimmed and lower-cased (how it is stored). */
export const emailRule = () =>
  body('email').isString().withMessage(EMAIL_MESSAGE).bail().trim().isEmail().withMessage(EMAIL_MESSAGE).bail().toLowerCase();

/** A new password: a string of 4 to 20 characters once trimmed. */
export const newPasswordRule = () =>
  body('password')
    .isString()
    .withMessage(PASSWORD_LENGTH_MESSAGE)
    .bail()
    .trim()
    .isLength({ min: 4, max: 20 })
    .withMessage(PASSWORD_LENGTH_MESSAGE);

/** A password to check: trimmed like a new one, and not empty. */
export const suppliedPasswordRule = () =>
  body('password').isString().withMessage(PASSWORD_REQUIRED_MESSAGE).bail().trim().notEmpty().withMessage(PASSWORD_REQUIRED_MESSAGE);

/** The body after the rules above ran: both fields are strings. */
export interface CredentialsBody {
  email: string;
  password: string;
}
