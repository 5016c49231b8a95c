import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the device cookie over plain HTTP (COOKIE_SECURE=false). */
export const DEVICE_COOKIE_NAME = 'device';
/** Name of the device cookie when it is Secure: `__Host-` pins it to this host, path `/`. */
export const SECURE_DEVICE_COOKIE_NAME = '__Host-device';
/** How long a browser stays a known device of an account after its last successful signin: 180 days. */
export const DEVICE_COOKIE_TTL_SECONDS = 180 * 24 * 3600;

const VERSION = 'v1';
const TAG_BYTES = 12;
const MAC_BYTES = 16;

/** A device cookie whose MAC and expiry check out; `id` names it in the throttle. */
export interface DeviceCookie {
  id: string;
  /** Binds the cookie to one account (a keyed hash of its email). */
  emailTag: string;
}

/**
 * Device cookies (OWASP's defence against online guessing): a browser that has signed in to an account
 * gets a cookie naming that account; its later signins to the same account skip the per-IP limits and
 * wait in their own lane of the hashing queue, so a flood from elsewhere cannot lock a known user out
 * or starve them. Failures with a device cookie count against that cookie (SigninThrottle), so it
 * cannot be used to guess either.
 *
 * Format: `v1.<id>.<expiry, unix s>.<email tag>.<MAC>`, base64url; the tag and the MAC are HMAC-SHA256
 * with a key derived from auth's private session key, which nothing else holds. The email is not in the
 * cookie, only its keyed hash, and the MAC can be checked without it: the flood gate checks the cookie
 * before the body is read, the route compares the tag with the body's email.
 */
export class DeviceCookies {
  private readonly key: Buffer;
  readonly name: string;

  constructor(
    privateKeyPem: string,
    readonly secure: boolean,
    private readonly ttlSeconds = DEVICE_COOKIE_TTL_SECONDS,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', privateKeyPem, Buffer.alloc(0), 'ticketing device cookie v1', 32));
    this.name = secure ? SECURE_DEVICE_COOKIE_NAME : DEVICE_COOKIE_NAME;
  }

  /** The tag that binds a cookie to the account with this (normalised) email. */
  emailTag(email: string): string {
    return this.mac(`email:${email}`, TAG_BYTES);
  }

  /** Whether `cookie` was issued for the account with this (normalised) email (compared in constant time). */
  belongsTo(cookie: DeviceCookie, email: string): boolean {
    const given = Buffer.from(cookie.emailTag);
    const expected = Buffer.from(this.emailTag(email));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A new cookie value for the account with this email. */
  issue(email: string, now = Date.now()): string {
    const id = randomBytes(16).toString('base64url');
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const body = `${VERSION}.${id}.${expires}.${this.emailTag(email)}`;
    return `${body}.${this.mac(body, MAC_BYTES)}`;
  }

  /** The device cookie in a `Cookie` header, when there is one with a valid MAC that has not expired. */
  read(cookieHeader: string | undefined, now = Date.now()): DeviceCookie | undefined {
    const value = cookieValue(cookieHeader, this.name);
    if (!value) return undefined;
    const parts = value.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
    const [, id, expires, emailTag, mac] = parts;
    if (!(Number(expires) * 1000 > now)) return undefined;
    const expected = Buffer.from(this.mac(parts.slice(0, 4).join('.'), MAC_BYTES));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { id, emailTag };
  }

  /** Options for `res.cookie`: HttpOnly, SameSite=Strict, path `/` (as `__Host-` requires). */
  cookieOptions(): { httpOnly: true; secure: boolean; sameSite: 'strict'; path: '/'; maxAge: number } {
    return { httpOnly: true, secure: this.secure, sameSite: 'strict', path: '/', maxAge: this.ttlSeconds * 1000 };
  }

  private mac(data: string, bytes: number): string {
    return createHmac('sha256', this.key).update(data).digest().subarray(0, bytes).toString('base64url');
  }
}

/** One cookie's value from a `Cookie` header, without parsing the others. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** A known device's key in the hashing queue and the throttle's burst: apart from every client IP. */
export function deviceKey(id: string): string {
  return `device:${id}`;
}
