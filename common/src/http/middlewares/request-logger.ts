/// <reference types="pino-http" preserve="true" />
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { logger as defaultLogger, Logger } from '../../core/logger';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Incoming ids we keep: short, printable, no spaces or separators that could forge log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, else a fresh UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

export interface RequestLoggerOptions {
  logger?: Logger;
  /** Requests not worth a log line each (e.g. probes). Default: `/healthz` and `/readyz`. */
  ignorePaths?: readonly string[];
}

/**
 * pino-http: gives each request an id (`req.id`, echoed in the `x-request-id` response header), a child
 * logger carrying it (`req.log`), and one line per completed request: request id, method, url, status and
 * `responseTime` (ms). Headers are not logged, so session cookies never reach the logs; the serialisers
 * read the raw request and response (`wrapSerializers: false`), so no full request object (headers,
 * remote address...) is built per request only to be thrown away.
 */
export function requestLogger(options: RequestLoggerOptions = {}): RequestHandler {
  const ignorePaths = new Set(options.ignorePaths ?? ['/healthz', '/readyz']);
  const middleware = pinoHttp({
    logger: options.logger ?? defaultLogger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFor(req.headers[REQUEST_ID_HEADER]);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    autoLogging: { ignore: (req) => ignorePaths.has((req.url ?? '').split('?')[0]) },
    wrapSerializers: false,
    serializers: {
      req: (req: { id: unknown; method: string; originalUrl?: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.originalUrl ?? req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return (req, res, next) => middleware(req, res, next);
}
