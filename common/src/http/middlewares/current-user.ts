/// <reference types="cookie-session" preserve="true" />
import { createSecretKey, KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';

/** The claims a session token carries for the signed-in user. */
export interface SessionUser {
  id: string;
  email: string;
}

/** `req.currentUser`: the verified session token's claims. */
export interface UserPayload extends SessionUser {
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
}

declare global {
  // Augments Express's Request for every service that imports @ticketing/common.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `currentUser` when the session holds a valid token; undefined when signed out. */
      currentUser?: UserPayload;
    }
  }
}

/** Session tokens are HS256 only: never `none`, never an asymmetric algorithm keyed with the secret. */
export const SESSION_JWT_ALGORITHM = 'HS256' as const;

let lastKey: { text: string; key: KeyObject } | undefined;

/**
 * The JWT key as a secret KeyObject, made once per key. Given a string, jsonwebtoken first tries to
 * parse it as a PEM public (verify) or private (sign) key, which throws for a shared secret, and only
 * then makes the secret key: on every request. That was the largest share of a service's CPU per
 * authenticated request.
 */
export function sessionKey(jwtKey: string): KeyObject {
  if (lastKey?.text !== jwtKey) lastKey = { text: jwtKey, key: createSecretKey(Buffer.from(jwtKey)) };
  return lastKey.key;
}

function isUserPayload(value: unknown): value is UserPayload {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.id === 'string' && typeof claims.email === 'string' && typeof claims.iat === 'number' && typeof claims.exp === 'number'
  );
}

/**
 * Returns the claims of a valid session token, or null when the token is malformed, forged, signed with
 * another algorithm or key, expired, or lacks the expected claims (an expiry included).
 */
export function verifySessionToken(token: unknown, jwtKey: string): UserPayload | null {
  if (typeof token !== 'string' || token === '') return null;
  try {
    const claims = jwt.verify(token, sessionKey(jwtKey), { algorithms: [SESSION_JWT_ALGORITHM] });
    if (!isUserPayload(claims)) return null;
    return { id: claims.id, email: claims.email, iat: claims.iat, exp: claims.exp };
  } catch {
    return null;
  }
}

/**
 * Sets `req.currentUser` from the session cookie's token (`req.session.jwt`), verified with `jwtKey`.
 * Each service passes its own validated JWT_KEY, so there is no hidden global configuration. Any bad
 * token leaves the request signed out; it never fails the request.
 */
export function currentUser(jwtKey: string): RequestHandler {
  if (!jwtKey) throw new Error('currentUser needs a non-empty JWT key');
  return (req, _res, next) => {
    const user = verifySessionToken(req.session?.jwt, jwtKey);
    if (user) req.currentUser = user;
    else delete req.currentUser;
    next();
  };
}
