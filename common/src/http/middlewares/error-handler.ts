import type { ErrorRequestHandler, Request } from 'express';
import { CustomError, ErrorResponseBody, SerializedError } from '../errors/custom-error';
import { logger as defaultLogger, Logger } from '../../core/logger';

/** The shape http-errors (used by body-parser) gives its errors. */
interface HttpErrorLike {
  status: number;
  expose: boolean;
  type?: unknown;
  message: string;
}

function isHttpErrorLike(value: unknown): value is HttpErrorLike {
  if (!(value instanceof Error)) return false;
  const candidate = value as Error & Record<string, unknown>;
  return typeof candidate.status === 'number' && typeof candidate.expose === 'boolean';
}

/** Client errors body-parser raises before any route runs, with messages of our own wording. */
const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Malformed JSON body',
  'entity.too.large': 'Request body too large',
  'entity.verify.failed': 'Request body rejected',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
  'request.aborted': 'Request aborted',
  'request.size.invalid': 'Request size did not match content length',
  'parameters.too.many': 'Too many parameters',
  'stream.encoding.set': 'Request stream encoding should not be set',
};

/** Status and body for an error that is safe to describe to the client, or null for anything else. */
function describeClientError(error: unknown): { status: number; errors: SerializedError[] } | null {
  if (error instanceof CustomError) return { status: error.statusCode, errors: error.serializeErrors() };
  if (isHttpErrorLike(error) && error.expose && error.status >= 400 && error.status < 500) {
    const known = typeof error.type === 'string' ? BODY_PARSER_MESSAGES[error.type] : undefined;
    return { status: error.status, errors: [{ message: known ?? error.message }] };
  }
  return null;
}

function requestLogger(req: Request, fallback: Logger): Logger {
  // `req.log` comes from requestLogger and already carries the request id.
  if (req.log) return req.log;
  return req.id === undefined ? fallback : fallback.child({ reqId: req.id });
}

/**
 * Mount last. Every thrown value becomes `{"errors": [{message, field?}]}`: a CustomError with its own
 * status; body-parser's malformed (400) and oversized (413) bodies; anything else is logged with the
 * request id and answered 500 "Something went wrong", never with its message or stack.
 */
export function createErrorHandler(options: { logger?: Logger } = {}): ErrorRequestHandler {
  const fallbackLogger = options.logger ?? defaultLogger;
  return (error: unknown, req, res, next) => {
    const clientError = describeClientError(error);
    if (!clientError) requestLogger(req, fallbackLogger).error({ err: error }, 'Unhandled error while serving request');
    // Too late to send a body: let Express end the connection.
    if (res.headersSent) return next(error);
    const status = clientError?.status ?? 500;
    const body: ErrorResponseBody = { errors: clientError?.errors ?? [{ message: 'Something went wrong' }] };
    res.status(status).json(body);
  };
}

/** The error handler with the process-wide logger as fallback (requests normally log through `req.log`). */
export const errorHandler: ErrorRequestHandler = createErrorHandler();
