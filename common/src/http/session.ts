import { generateKeyPairSync } from 'node:crypto';
import type { SessionUser } from './middlewares/current-user';
import { newSessionId, SESSION_AUDIENCE, SESSION_ISSUER, signSessionClaims } from './session-token';

export * from './session-token';

/** Name of the session cookie over plain HTTP (COOKIE_SECURE=false: local development and tests). */
export const SESSION_COOKIE_NAME = 'session';
/** Name of the session cookie when it is Secure: the `__Host-` prefix pins it to this host, path `/`. */
export const SECURE_SESSION_COOKIE_NAME = '__Host-session';

/** The session cookie's name: `__Host-session` when Secure, `session` otherwise. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE_NAME : SESSION_COOKIE_NAME;
}

/** Default and longest session lifetime: 12 hours, in seconds. */
export const DEFAULT_SESSION_TTL_SECONDS = 43200;
export const MAX_SESSION_TTL_SECONDS = 43200;
/** Default idle timeout: a session unused for 30 minutes ends (auth enforces it). */
export const DEFAULT_SESSION_IDLE_SECONDS = 1800;

/** A minted session token and the claims auth records for it. */
export interface MintedSession {
  token: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * Mints the session token auth stores with `req.session = { jwt }`: `{id, email}` plus `iss`, `aud`, a
 * fresh `jti`, `iat` and `exp` (`ttlSeconds` later), signed with the PEM private key (Ed25519 or P-256).
 */
export function mintSession(user: SessionUser, privateKeyPem: string, ttlSeconds: number = DEFAULT_SESSION_TTL_SECONDS): MintedSession {
  const iat = Math.floor(Date.now() / 1000);
  const jti = newSessionId();
  const exp = iat + ttlSeconds;
  const claims = { id: user.id, email: user.email, iss: SESSION_ISSUER, aud: SESSION_AUDIENCE, jti, iat, exp };
  return { token: signSessionClaims(claims, privateKeyPem), jti, iat, exp };
}

/** The token alone (see `mintSession`). */
export function createSessionToken(user: SessionUser, privateKeyPem: string, ttlSeconds: number = DEFAULT_SESSION_TTL_SECONDS): string {
  return mintSession(user, privateKeyPem, ttlSeconds).token;
}

/** The `Cookie` header value for a session token, in cookie-session's unsigned format. */
export function sessionCookieFor(token: string, secure = false): string {
  return `${sessionCookieName(secure)}=${Buffer.from(JSON.stringify({ jwt: token })).toString('base64')}`;
}

/**
 * The `Cookie` header value (`session=<base64 JSON>`) a browser would send after signing in as `user`,
 * in cookie-session's unsigned format. For tests and tools: `request(app).get(...).set('Cookie', cookie)`.
 */
export function createSessionCookie(user: SessionUser, privateKeyPem: string, ttlSeconds: number = DEFAULT_SESSION_TTL_SECONDS): string {
  return sessionCookieFor(createSessionToken(user, privateKeyPem, ttlSeconds));
}

/** A PEM key pair for sessions. */
export interface SessionKeyPair {
  /** PKCS#8 PEM: JWT_PRIVATE_KEY, auth only. */
  privateKey: string;
  /** SPKI PEM: JWT_PUBLIC_KEY, every service. */
  publicKey: string;
}

/** A fresh Ed25519 key pair (what `npm start` uses when none is configured, and what tests sign with). */
export function generateSessionKeyPair(): SessionKeyPair {
  return generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}
