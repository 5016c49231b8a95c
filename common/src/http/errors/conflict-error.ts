import { CustomError, SerializedError } from './custom-error';

/** 409: the request lost a race, e.g. an optimistic-concurrency (version) check failed. */
export class ConflictError extends CustomError {
  readonly statusCode = 409;

  constructor(message = 'Conflict') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
