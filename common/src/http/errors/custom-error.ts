/** One entry of the error body every service answers with: `{"errors": [{message, field?}]}`. */
export interface SerializedError {
  message: string;
  /** Only for validation errors: the request field that failed. */
  field?: string;
}

/** The body of every error response. */
export interface ErrorResponseBody {
  errors: SerializedError[];
}

/**
 * Base of every error a handler may throw on purpose. The error handler answers with `statusCode` and
 * `serializeErrors()`; anything else thrown becomes a 500 with a generic message.
 *
 * Targets ES2022, where subclasses of built-ins keep their prototype chain, so `instanceof` works
 * without `Object.setPrototypeOf`.
 */
export abstract class CustomError extends Error {
  abstract readonly statusCode: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  abstract serializeErrors(): SerializedError[];
}
