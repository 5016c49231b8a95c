import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request } from 'express';
import { CustomError, ErrorResponseBody, SerializedError } from '../errors/custom-error';
import { logger as defaultLogger, Logger } from '../../core/logger';

/**
 * An error that names its own client-error status: http-errors' (body-parser: `status`, `expose`,
 * `type`), express's (`status`/`statusCode` 400 on a route parameter that cannot be decoded), or any
 * library's that sets one. The status says it is the client's fault, so it is never a 500.
 */
interface ClientStatusError {
  status: number;
  expose: boolean;
  type?: unknown;
  message: string;
}

function clientStatusOf(value: unknown): ClientStatusError | null {
  if (!(value instanceof Error)) return null;
  const candidate = value as Error & Record<string, unknown>;
  const raw = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 400 || raw > 499) return null;
  return { status: raw, expose: candidate.expose === true, type: candidate.type, message: candidate.message };
}

/** Client errors body-parser raises before any route runs, with messages of our own wording. */
const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Malformed JSON body',
  'entity.too.large': 'Request body too large',
  'entity.verify.failed': 'Request body rejected',
  'entity.charset.invalid': 'Request body is not valid UTF-8',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
  'request.aborted': 'Request aborted',
  'request.size.invalid': 'Request size did not match content length',
  'parameters.too.many': 'Too many parameters',
  'stream.encoding.set': 'Request stream encoding should not be set',
};

export const MALFORMED_URL_MESSAGE = 'Malformed URL parameter';

/** The message for a client error: our wording when known, its own when it is meant to be shown, else the status's name. */
function clientMessage(error: unknown, described: ClientStatusError): string {
  const known = typeof described.type === 'string' ? BODY_PARSER_MESSAGES[described.type] : undefined;
  if (known) return known;
  // express's decode_param: the message would echo the raw parameter.
  if (error instanceof URIError) return MALFORMED_URL_MESSAGE;
  if (described.expose && described.message) return described.message;
  return STATUS_CODES[described.status] ?? 'Bad request';
}

/** Status and body for an error that is safe to describe to the client, or null for anything else. */
function describeClientError(error: unknown): { status: number; errors: SerializedError[] } | null {
  if (error instanceof CustomError) return { status: error.statusCode, errors: error.serializeErrors() };
  const described = clientStatusOf(error);
  if (described) return { status: described.status, errors: [{ message: clientMessage(error, described) }] };
  return null;
}

function requestLogger(req: Request, fallback: Logger): Logger {
  // `req.log` comes from requestLogger and already carries the request id.
  if (req.log) return req.log;
  return req.id === undefined ? fallback : fallback.child({ reqId: req.id });
}

/**
 * Mount last. Every thrown value becomes `{"errors": [{message, field?}]}`: a CustomError with its own
 * status; any error carrying a 4xx `status`/`statusCode` (body-parser's malformed (400), oversized (413)
 * or non-UTF-8 (400) bodies, express's undecodable route parameter (400)) with that status; anything else is logged with the
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
