import type { ErrorResponseBody } from '@ticketing/common/http';
import type { Logger } from '@ticketing/common/core';
import type { RequestHandler, Response } from 'express';
import { deviceKey, type DeviceCookies } from '../domain/device-cookies';
import { TooManyAttemptsError } from '../domain/hash-queue';
import { passwordHashQueue } from '../domain/password';
import type { SigninThrottle } from '../domain/throttle';
import { clientKeyOf } from './session-options';

const SIGNIN = '/api/users/signin';
const GATED_PATHS = new Set([SIGNIN, '/api/users/signup']);
/** At most one summary line per this many ms while a flood is being refused. */
const SUMMARY_EVERY_MS = 10_000;

/**
 * The flood gate in front of signin and signup, mounted before the request log, body parsing and
 * sessions (createServiceApp's `beforeRequestLog`): it reads the device cookie, asks the throttle's
 * in-memory screen and whether the hashing queue has room for the client, and answers a refusal itself
 * (429 in the error shape, with Retry-After). A flood, from one address or from many, is then refused
 * for a few tens of microseconds a request, so the event loop stays free for everyone else's requests.
 * Refusals are counted by the request metrics (status 429) and summarised in one log line every 10 s,
 * not logged one by one: a flood must not become a flood of log lines.
 * What it lets through carries `res.locals.device` (the device cookie's id) when it came from a known
 * device that is not locked.
 */
export function attemptGate(throttle: SigninThrottle, devices: DeviceCookies, logger: Logger): RequestHandler {
  let refused = 0;
  let summaryDue = 0;
  const refuse = (res: Response, error: TooManyAttemptsError): void => {
    refused += 1;
    const now = Date.now();
    if (now >= summaryDue) {
      logger.warn(
        { refused, sinceMs: summaryDue === 0 ? 0 : now - summaryDue + SUMMARY_EVERY_MS },
        'Signin attempts refused by the flood gate',
      );
      refused = 0;
      summaryDue = now + SUMMARY_EVERY_MS;
    }
    const body: ErrorResponseBody = { errors: error.serializeErrors() };
    res.status(429).set('Retry-After', String(error.retryAfterSeconds)).json(body);
  };

  return (req, res, next) => {
    // As Express routes them (not case-sensitive, a trailing slash allowed), so no spelling of the path
    // gets past the gate to the routes.
    const path = req.path.toLowerCase().replace(/\/+$/, '');
    if (req.method !== 'POST' || !GATED_PATHS.has(path)) {
      next();
      return;
    }
    // A device cookie counts at signin only: a known device has an account already.
    const device = path === SIGNIN ? devices.read(req.headers.cookie) : undefined;
    const ip = clientKeyOf(req);
    throttle.screen(ip, device?.id).then(
      (known) => {
        // The route asks the queue again (runPasswordAttempt): this early answer only spares a flood's
        // requests the body parsing, validation and logging that would end in the same 429.
        const full =
          known === undefined ? passwordHashQueue().wouldRefuse(ip) : passwordHashQueue().wouldRefuse(deviceKey(known), { trusted: true });
        if (full) {
          refuse(res, new TooManyAttemptsError(1));
          return;
        }
        if (known !== undefined && device) res.locals.device = device;
        next();
      },
      (error: unknown) => (error instanceof TooManyAttemptsError ? refuse(res, error) : next(error)),
    );
  };
}
