import { createPrivateKey, createPublicKey, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Who mints session tokens (`iss`) and for whom (`aud`): only auth, for the whole suite. */
export const SESSION_ISSUER = 'ticketing-auth';
export const SESSION_AUDIENCE = 'ticketing';
/** How far a token's `iat`/`nbf` may lie in the future (clock drift between pods), in seconds. */
export const SESSION_CLOCK_SKEW_SECONDS = 30;

/** The algorithms a session key may use: Ed25519 (EdDSA) or P-256 (ES256). Never HMAC, never `none`. */
export type SessionAlgorithm = 'EdDSA' | 'ES256';

/** The claims of a session token. */
export interface SessionClaims {
  id: string;
  email: string;
  iss: string;
  aud: string;
  /** Unguessable session id (128 random bits, base64url): what signout revokes. */
  jti: string;
  iat: number;
  nbf?: number;
  exp: number;
}

function algorithmOf(key: KeyObject): SessionAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('A session key must be an Ed25519 or a P-256 (EC) key');
}

/** PEM from an environment variable may carry literal `\n` (one-line .env files): accept both. */
function pemText(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}

const keyCache = new Map<string, KeyObject>();

function cachedKey(kind: 'private' | 'public', pem: string): KeyObject {
  const cacheKey = `${kind}\n${pem}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const text = pemText(pem);
    if (kind === 'public' && /PRIVATE KEY/.test(text)) throw new Error('A public session key was expected, not a private one');
    key = kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
    algorithmOf(key);
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** The private signing key of a PEM (PKCS#8), parsed once. Throws for anything but Ed25519 or P-256. */
export function sessionPrivateKey(pem: string): KeyObject {
  return cachedKey('private', pem);
}

/** The public verification key of a PEM (SPKI), parsed once. A private key PEM is refused. */
export function sessionPublicKey(pem: string): KeyObject {
  return cachedKey('public', pem);
}

/** The public key (SPKI PEM) that verifies what `privateKeyPem` signs. */
export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(sessionPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

function signatureOptions(key: KeyObject): { algorithm: string | null; dsaEncoding?: 'ieee-p1363' } {
  return algorithmOf(key) === 'EdDSA' ? { algorithm: null } : { algorithm: 'sha256', dsaEncoding: 'ieee-p1363' };
}

/** A fresh session id: 128 random bits. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** Signs `claims` as a compact JWS with the key's algorithm (EdDSA or ES256). */
export function signSessionClaims(claims: SessionClaims, privateKeyPem: string): string {
  const key = sessionPrivateKey(privateKeyPem);
  const header = base64url(JSON.stringify({ alg: algorithmOf(key), typ: 'JWT' }));
  const input = `${header}.${base64url(JSON.stringify(claims))}`;
  const { algorithm, dsaEncoding } = signatureOptions(key);
  const signature = sign(algorithm, Buffer.from(input), dsaEncoding ? { key, dsaEncoding } : key);
  return `${input}.${signature.toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function parseJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function validClaims(claims: Record<string, unknown>, nowSeconds: number): SessionClaims | null {
  const { id, email, iss, aud, jti, iat, nbf, exp } = claims;
  if (typeof id !== 'string' || typeof email !== 'string' || typeof jti !== 'string' || jti === '') return null;
  if (iss !== SESSION_ISSUER || aud !== SESSION_AUDIENCE) return null;
  if (!isNumber(iat) || !isNumber(exp) || (nbf !== undefined && !isNumber(nbf))) return null;
  const latest = nowSeconds + SESSION_CLOCK_SKEW_SECONDS;
  if (iat > latest || (nbf !== undefined && nbf > latest) || exp <= nowSeconds || exp <= iat) return null;
  return { id, email, iss, aud, jti, iat, ...(nbf !== undefined ? { nbf } : {}), exp };
}

/**
 * The claims of a token signed by `publicKeyPem`'s private key, or null: a malformed token, another
 * algorithm (the header must name the key's own), a bad signature, another issuer or audience, a
 * missing claim, `iat`/`nbf` more than 30 s in the future, or an expired token. Never throws.
 */
export function verifySessionClaims(
  token: unknown,
  publicKeyPem: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): SessionClaims | null {
  if (typeof token !== 'string' || token.length > 4096) return null;
  const parts = token.split('.');
  // Node's base64url decoder skips characters outside the alphabet: without this, a token with a space
  // added would still verify, one token under many spellings.
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
  try {
    const key = sessionPublicKey(publicKeyPem);
    const header = parseJson(parts[0]);
    if (!header || header.alg !== algorithmOf(key) || (header.crit !== undefined && header.crit !== null)) return null;
    const { algorithm, dsaEncoding } = signatureOptions(key);
    const signature = Buffer.from(parts[2], 'base64url');
    const input = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify(algorithm, input, dsaEncoding ? { key, dsaEncoding } : key, signature)) return null;
    const claims = parseJson(parts[1]);
    return claims ? validClaims(claims, nowSeconds) : null;
  } catch {
    return null;
  }
}

/** What `sessionClaimsVerifier` returns: `verifySessionClaims` for one key, remembering what it verified. */
export type SessionClaimsVerifier = (token: unknown, nowSeconds?: number) => SessionClaims | null;

/**
 * `verifySessionClaims` for one public key, with the tokens it accepted remembered (the `max` most
 * recent, default 10,000): a token seen before has its times checked again (so it still expires) but
 * not its signature, which was 5 % of an authenticated request's CPU. Only the exact string that was
 * verified is found, so a changed byte is verified in full; a token that fails is never remembered.
 */
export function sessionClaimsVerifier(publicKeyPem: string, options: { max?: number } = {}): SessionClaimsVerifier {
  sessionPublicKey(publicKeyPem); // a bad key fails here, not on the first request
  const accepted = new LRUCache<string, SessionClaims>({ max: options.max ?? 10_000 });
  return (token, nowSeconds = Math.floor(Date.now() / 1000)) => {
    if (typeof token !== 'string') return null;
    const known = accepted.get(token);
    if (known) {
      const stillValid = validClaims({ ...known }, nowSeconds);
      if (!stillValid) accepted.delete(token);
      return stillValid;
    }
    const claims = verifySessionClaims(token, publicKeyPem, nowSeconds);
    if (claims) accepted.set(token, claims);
    return claims;
  };
}
