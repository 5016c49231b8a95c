import { mintSession, SessionUser } from '@ticketing/common/http';
import type { Request, Response } from 'express';
import { TooManyAttemptsError } from '../domain/hash-queue';
import { recordSession } from '../domain/sessions';

/** What the routes that sign users in need to mint a session token. */
export interface SessionOptions {
  /** JWT_PRIVATE_KEY (PEM). */
  privateKey: string;
  /** Token lifetime in seconds (JWT_TTL, at most 12 h). */
  jwtTtl: number;
}

/** Mints a token for `user`, records its session, and sets the cookie. */
export async function startSession(req: Request, user: SessionUser, { privateKey, jwtTtl }: SessionOptions): Promise<void> {
  const session = mintSession(user, privateKey, jwtTtl);
  await recordSession({ jti: session.jti, userId: user.id, iat: session.iat, exp: session.exp });
  req.session = { jwt: session.token };
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
