import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Answer, Handler } from './api';
import { ApiError, notFound } from './errors';
import { FaultQueue, type FaultOptions } from './faults';
import { canonical, parseForm, type FormParams } from './form';
import { IdempotencyStore } from './idempotency';
import { confirmPaymentIntent, createPaymentIntent, retrievePaymentIntent } from './payment-intents';
import { createRefund, listRefunds, retrieveRefund } from './refunds';
import { retrieveCharge } from './charges';
import { searchPaymentIntents } from './search';
import { newId, StripeStore } from './store';
import type { ChargeObject, PaymentIntentObject, RefundObject } from './types';

/** The key `startLocalStripe` hands out; any `sk_test_…` key is accepted unless `apiKeys` is set. */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_local';

export interface LocalStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Only these keys authenticate; by default any `sk_test_`/`rk_test_` key does. */
  apiKeys?: readonly string[];
  /** Time each POST spends executing, so concurrent retries overlap as they do against Stripe. */
  latencyMs?: number;
}

/** One request the server answered (or left hanging), for tests that count calls and retries. */
export interface RequestRecord {
  method: string;
  path: string;
  idempotencyKey?: string;
  /** 0 for a request that was dropped or left hanging. */
  status: number;
  replayed: boolean;
  faulted: boolean;
}

export interface LocalStripe {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secretKey: string;
  /** Every PaymentIntent created, oldest first (declined ones included). */
  paymentIntents(): PaymentIntentObject[];
  charges(): ChargeObject[];
  refunds(): RefundObject[];
  requests(): RequestRecord[];
  /** Makes the next `count` matching requests fail (see `FaultOptions`). */
  failNext(count: number, options?: FaultOptions): void;
  setLatency(ms: number): void;
  /** Forgets every object, idempotency key, queued fault and request record. */
  reset(): void;
  stop(): Promise<void>;
}

interface Context {
  store: StripeStore;
  idempotency: IdempotencyStore;
  faults: FaultQueue;
  log: RequestRecord[];
  hanging: Set<express.Response>;
  apiKeys?: readonly string[];
  latencyMs: number;
}

interface Route {
  method: 'get' | 'post';
  path: string;
  handler: Handler;
}

// The search route comes before `:id`, which would otherwise take "search" as an id.
const ROUTES: readonly Route[] = [
  { method: 'post', path: '/v1/payment_intents', handler: createPaymentIntent },
  { method: 'get', path: '/v1/payment_intents/search', handler: searchPaymentIntents },
  { method: 'get', path: '/v1/payment_intents/:id', handler: retrievePaymentIntent },
  { method: 'post', path: '/v1/payment_intents/:id/confirm', handler: confirmPaymentIntent },
  { method: 'get', path: '/v1/charges/:id', handler: retrieveCharge },
  { method: 'post', path: '/v1/refunds', handler: createRefund },
  { method: 'get', path: '/v1/refunds', handler: listRefunds },
  { method: 'get', path: '/v1/refunds/:id', handler: retrieveRefund },
];

const NO_KEY_MESSAGE =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). " +
  'See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.';

function errorAnswer(error: ApiError): Answer {
  return { status: error.status, body: { error: error.detail } };
}

function deliver(ctx: Context, req: express.Request, res: express.Response, answer: Answer, replayed = false): void {
  const key = req.get('Idempotency-Key');
  ctx.log.push({ method: req.method, path: req.path, idempotencyKey: key, status: answer.status, replayed, faulted: false });
  res.status(answer.status);
  res.set({ 'Request-Id': newId('req', 14), 'Cache-Control': 'no-cache, no-store' });
  if (key !== undefined && req.method === 'POST') res.set('Idempotency-Key', key);
  if (replayed) res.set('Idempotent-Replayed', 'true');
  const version = req.get('Stripe-Version');
  if (version) res.set('Stripe-Version', version);
  if (answer.status === 401) res.set('WWW-Authenticate', 'Basic realm="Stripe"');
  res.type('application/json').send(JSON.stringify(answer.body, null, 2));
}

function readApiKey(header: string | undefined): string | undefined {
  const match = /^(\w+)\s+(.+)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  if (/^bearer$/i.test(match[1])) return match[2].trim();
  if (/^basic$/i.test(match[1])) return Buffer.from(match[2], 'base64').toString().split(':')[0];
  return undefined;
}

function authenticate(ctx: Context): express.RequestHandler {
  return (req, res, next) => {
    const key = readApiKey(req.get('Authorization'));
    if (!key) {
      deliver(ctx, req, res, errorAnswer(new ApiError(401, { type: 'invalid_request_error', message: NO_KEY_MESSAGE })));
      return;
    }
    const accepted = ctx.apiKeys ? ctx.apiKeys.includes(key) : /^(sk|rk)_test_\w+$/.test(key);
    if (!accepted) {
      const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key;
      deliver(
        ctx,
        req,
        res,
        errorAnswer(new ApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` })),
      );
      return;
    }
    res.locals.apiKey = key;
    next();
  };
}

function applyFault(ctx: Context, req: express.Request, res: express.Response, fault: FaultOptions): void {
  const record: RequestRecord = {
    method: req.method,
    path: req.path,
    idempotencyKey: req.get('Idempotency-Key'),
    status: 0,
    replayed: false,
    faulted: true,
  };
  ctx.log.push(record);
  if (fault.hang) {
    ctx.hanging.add(res);
    res.on('close', () => ctx.hanging.delete(res));
    return;
  }
  if (fault.drop) {
    req.socket.destroy();
    return;
  }
  record.status = fault.status ?? 500;
  const body = { error: { type: 'api_error', message: 'An unknown error occurred (a fault injected into the local Stripe server).' } };
  res.status(record.status).set('Request-Id', newId('req', 14)).type('application/json').send(JSON.stringify(body));
}

function run(
  handler: Handler,
  params: FormParams,
  pathParams: Record<string, string>,
  store: StripeStore,
): { answer: Answer; keep: boolean } {
  try {
    return { answer: handler({ params, pathParams }, store), keep: true };
  } catch (error) {
    if (error instanceof ApiError) return { answer: errorAnswer(error), keep: error.executed };
    const message = error instanceof Error ? error.message : String(error);
    return { answer: errorAnswer(new ApiError(500, { type: 'api_error', message })), keep: false };
  }
}

async function serve(ctx: Context, handler: Handler, req: express.Request, res: express.Response): Promise<void> {
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const params = parseForm(req.method === 'GET' ? query : typeof req.body === 'string' ? req.body : '');
  const fault = ctx.faults.take(req.method, req.path);
  if (fault && !fault.afterProcessing) return applyFault(ctx, req, res, fault);
  // Stripe ignores idempotency keys on GET and DELETE: those are idempotent already.
  const key = req.method === 'POST' ? req.get('Idempotency-Key') : undefined;
  const admission =
    key === undefined
      ? undefined
      : ctx.idempotency.admit(res.locals.apiKey as string, key, { method: req.method, path: req.path, params: canonical(params) });
  if (admission?.kind === 'reject') return deliver(ctx, req, res, errorAnswer(admission.error));
  if (admission?.kind === 'replay') return fault ? applyFault(ctx, req, res, fault) : deliver(ctx, req, res, admission.answer, true);
  if (ctx.latencyMs > 0 && req.method === 'POST') await new Promise((resolve) => setTimeout(resolve, ctx.latencyMs));
  const { answer, keep } = run(handler, params, req.params, ctx.store);
  admission?.finish(answer, keep);
  if (fault) return applyFault(ctx, req, res, fault);
  deliver(ctx, req, res, answer);
}

function createStripeApp(ctx: Context): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Bodies are read as text and decoded with qs here, so the parameters compared for
  // idempotency are exactly what the endpoint sees.
  app.use(express.text({ type: () => true, limit: '1mb' }));
  app.use(authenticate(ctx));
  for (const route of ROUTES) {
    app[route.method](route.path, (req, res) => void serve(ctx, route.handler, req, res));
  }
  app.use((req, res) => deliver(ctx, req, res, errorAnswer(notFound(`${req.method}: ${req.path}`))));
  return app;
}

function listen(app: express.Express, port: number, host: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Starts a Stripe-compatible server for the `stripe` SDK over plain HTTP. */
export async function startLocalStripe(options: LocalStripeOptions = {}): Promise<LocalStripe> {
  const ctx: Context = {
    store: new StripeStore(),
    idempotency: new IdempotencyStore(),
    faults: new FaultQueue(),
    log: [],
    hanging: new Set(),
    apiKeys: options.apiKeys,
    latencyMs: options.latencyMs ?? 0,
  };
  const host = options.host ?? '127.0.0.1';
  const server = await listen(createStripeApp(ctx), options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    secretKey: options.apiKeys?.[0] ?? LOCAL_STRIPE_SECRET_KEY,
    paymentIntents: () => structuredClone([...ctx.store.intents.values()]),
    charges: () => structuredClone([...ctx.store.charges.values()]),
    refunds: () => structuredClone([...ctx.store.refunds.values()]),
    requests: () => structuredClone(ctx.log),
    failNext: (count, fault = {}) => ctx.faults.add(count, fault),
    setLatency: (ms) => {
      ctx.latencyMs = ms;
    },
    reset: () => {
      ctx.store.clear();
      ctx.idempotency.clear();
      ctx.faults.clear();
      ctx.log.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of ctx.hanging) res.socket?.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
