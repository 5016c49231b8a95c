import { CustomError, SerializedError } from './custom-error';

/** 404 for unknown routes and unknown (or malformed) resource ids. */
export class NotFoundError extends CustomError {
  readonly statusCode = 404;

  constructor(message = 'Not found') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
