import { CustomError, SerializedError } from './custom-error';

/**
 * The database cannot be reached. Answered 503 Service Unavailable rather than the course's 500: the
 * condition is temporary and not a bug, and 503 tells clients and load balancers to retry.
 */
export class DatabaseConnectionError extends CustomError {
  readonly statusCode = 503;

  constructor(message = 'Error connecting to database') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
