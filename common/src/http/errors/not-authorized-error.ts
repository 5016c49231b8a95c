import { CustomError, SerializedError } from './custom-error';

/** 401: not signed in, or signed in as someone who may not touch the resource. */
export class NotAuthorizedError extends CustomError {
  readonly statusCode = 401;

  constructor(message = 'Not authorized') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
