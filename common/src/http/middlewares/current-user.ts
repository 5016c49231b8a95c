/// <reference types="cookie-session" preserve="true" />
import type { RequestHandler } from 'express';
import type { SessionCheck } from '../session-check';
import { SessionClaims, sessionClaimsVerifier, verifySessionClaims } from '../session-token';

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
  /** The session id: what signout revokes. */
  jti: string;
}

declare global {
  // Augments Express's Request for every service that imports @ticketing/common.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `currentUser` when the session holds a valid, active token; undefined when signed out. */
      currentUser?: UserPayload;
    }
  }
}

/**
 * Returns the claims of a token signed by the session key, or null when the token is malformed,
 * forged, signed with another algorithm or key, from another issuer or audience, issued in the future
 * (beyond 30 s of clock skew), not yet valid, expired, or lacks the expected claims. It does not ask
 * whether the session was revoked: `currentUser` does.
 */
function userPayloadOf(claims: SessionClaims | null): UserPayload | null {
  return claims ? { id: claims.id, email: claims.email, iat: claims.iat, exp: claims.exp, jti: claims.jti } : null;
}

export function verifySessionToken(token: unknown, publicKeyPem: string): UserPayload | null {
  return userPayloadOf(verifySessionClaims(token, publicKeyPem));
}

export interface CurrentUserOptions {
  /** JWT_PUBLIC_KEY (SPKI PEM): verifies session tokens. */
  publicKey: string;
  /** Whether a session is still active: auth over HTTP (`httpSessionCheck`), or auth's own store. */
  sessionCheck: SessionCheck;
}

/**
 * Sets `req.currentUser` from the session cookie's token (`req.session.jwt`) when its signature and
 * claims are valid and the session is still active. Any bad, expired or revoked token, or a session
 * check that fails, leaves the request signed out; it never fails the request.
 */
export function currentUser(options: CurrentUserOptions): RequestHandler {
  if (!options.publicKey) throw new Error('currentUser needs a non-empty JWT public key');
  const { publicKey, sessionCheck } = options;
  // A bad key fails at startup, not per request; a token seen before is not verified again.
  const verify = sessionClaimsVerifier(publicKey);
  return (req, _res, next) => {
    delete req.currentUser;
    const user = userPayloadOf(verify(req.session?.jwt));
    if (!user) {
      next();
      return;
    }
    sessionCheck(user.jti).then(
      (active) => {
        if (active) req.currentUser = user;
        next();
      },
      () => next(),
    );
  };
}
