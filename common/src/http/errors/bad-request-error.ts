import { CustomError, SerializedError } from './custom-error';

/** 400 with a message meant for the user, e.g. "Email in use". */
export class BadRequestError extends CustomError {
  readonly statusCode = 400;

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
