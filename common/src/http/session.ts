import jwt from 'jsonwebtoken';
import { SESSION_JWT_ALGORITHM, SessionUser, sessionKey } from './middlewares/current-user';

/** Name of the cookie-session cookie every service reads. */
export const SESSION_COOKIE_NAME = 'session';

/** Default session lifetime: one day, in seconds. */
export const DEFAULT_SESSION_TTL_SECONDS = 86400;

/** Signs `{id, email}` with HS256, expiring after `ttlSeconds`. What `req.session = { jwt }` holds. */
export function createSessionToken(user: SessionUser, jwtKey: string, ttlSeconds: number = DEFAULT_SESSION_TTL_SECONDS): string {
  return jwt.sign({ id: user.id, email: user.email }, sessionKey(jwtKey), {
    algorithm: SESSION_JWT_ALGORITHM,
    expiresIn: ttlSeconds,
  });
}

/**
 * The `Cookie` header value (`session=<base64 JSON>`) a browser would send after signing in as `user`,
 * in cookie-session's unsigned format. For tests and tools: `request(app).get(...).set('Cookie', cookie)`.
 */
export function createSessionCookie(user: SessionUser, jwtKey: string, ttlSeconds: number = DEFAULT_SESSION_TTL_SECONDS): string {
  const session = { jwt: createSessionToken(user, jwtKey, ttlSeconds) };
  return `${SESSION_COOKIE_NAME}=${Buffer.from(JSON.stringify(session)).toString('base64')}`;
}
