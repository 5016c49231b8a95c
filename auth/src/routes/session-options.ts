import { mintSession, SessionUser } from '@ticketing/common/http';
import type { Request, Response } from 'express';
import type { DeviceCookie, DeviceCookies } from '../domain/device-cookies';
import { TooManyAttemptsError } from '../domain/hash-queue';
import { recordSession } from '../domain/sessions';

/** What the routes that sign users in need to mint a session token. */
export interface SessionOptions {
  /** JWT_PRIVATE_KEY (PEM). */
  privateKey: string;
  /** Token lifetime in seconds (JWT_TTL, at most 12 h). */
  jwtTtl: number;
  /** The device cookies a successful signin or signup hands out, and the gate reads. */
  devices: DeviceCookies;
}

/**
 * The id of the client's device cookie when the flood gate let it through as a known device
 * (`res.locals.device`) and it belongs to the account with this email; else undefined.
 */
export function knownDeviceFor(res: Response, devices: DeviceCookies, email: string): string | undefined {
  const device = res.locals.device as DeviceCookie | undefined;
  return device && devices.belongsTo(device, email) ? device.id : undefined;
}

/**
 * Mints a token for `user`, records its session, and sets the session cookie, and a new device cookie
 * that makes this browser a known device of the account.
 */
export async function startSession(req: Request, res: Response, user: SessionUser, options: SessionOptions): Promise<void> {
  const session = mintSession(user, options.privateKey, options.jwtTtl);
  await recordSession({ jti: session.jti, userId: user.id, iat: session.iat, exp: session.exp });
  req.session = { jwt: session.token };
  res.cookie(options.devices.name, options.devices.issue(user.email), options.devices.cookieOptions());
}

/** Runs `work`; a TooManyAttemptsError gets its `Retry-After` header before the error handler answers 429. */
export async function withRetryAfter<T>(res: Response, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TooManyAttemptsError) res.set('Retry-After', String(error.retryAfterSeconds));
    throw error;
  }
}

/**
 * The client's address, its key in the throttle and the hashing queue: `req.ip`, which behind the ingress
 * (or the local gateway) is the entry that proxy appended to X-Forwarded-For (`trust proxy` =
 * TRUST_PROXY_HOPS, 1), so a client cannot choose it by sending the header itself.
 */
export function clientKeyOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? '';
}
