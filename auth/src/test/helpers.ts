import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { generateSessionKeyPair, mintSession, sessionCookieFor } from '@ticketing/common/http';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { User as UserView } from '../domain/users';
import { recordSession } from '../domain/sessions';
import { toUser, User, UserAttrs } from '../models/user';

/** The test key pair (Ed25519, as `npm start` generates): auth signs with the private key. */
export const SESSION_KEYS = generateSessionKeyPair();

/** A password the rules accept: 8-128 characters, not a common one. */
export const STRONG_PASSWORD = 'correct horse battery staple';

export const TEST_CONFIG: AppConfig = {
  JWT_PRIVATE_KEY: SESSION_KEYS.privateKey,
  JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
  JWT_TTL: 3600,
  SESSION_IDLE_TIMEOUT: 1800,
  COOKIE_SECURE: false,
  // Tests fire concurrent signups from one address (races); the queue limits have their own test.
  PASSWORD_HASH_QUEUE_PER_CLIENT: 64,
  // Tests sign many users up and in from one address; the throttle's limits have their own tests.
  THROTTLE_IP_ATTEMPTS: 100_000,
  THROTTLE_IP_BURST: 100_000,
  THROTTLE_ACCOUNT_FAILURES: 1_000,
};

/** The auth app with test settings (plain-HTTP cookies, a fixed key), optionally overridden. */
export function testApp(config: Partial<AppConfig> = {}): Express {
  return createApp({ ...TEST_CONFIG, ...config });
}

export function newId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

/** A fresh address each call, so tests never collide on the unique email index. */
export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.com`;
}

/** A session for a new (or the given) user id, minted and recorded as auth does at signin; no user is stored. */
export async function signin(userId: string = newId()): Promise<{ id: string; cookie: string; jti: string }> {
  const session = mintSession({ id: userId, email: uniqueEmail() }, TEST_CONFIG.JWT_PRIVATE_KEY, TEST_CONFIG.JWT_TTL);
  await recordSession({ jti: session.jti, userId, iat: session.iat, exp: session.exp });
  return { id: userId, cookie: sessionCookieFor(session.token), jti: session.jti };
}

/** Valid signup credentials with a unique email. */
export function credentialsBody(overrides: Partial<{ email: unknown; password: unknown }> = {}): { email: unknown; password: unknown } {
  return { email: uniqueEmail(), password: STRONG_PASSWORD, ...overrides };
}

/** Stores a user directly (its password hashed on save), without the API. */
export async function buildUser(attrs: Partial<UserAttrs> = {}): Promise<UserView> {
  const doc = User.build({ email: uniqueEmail(), password: STRONG_PASSWORD, ...attrs });
  await doc.save();
  return toUser(doc);
}

/** The `Cookie` request header that sends back the session a response set. */
export function sessionCookieFrom(response: request.Response): string {
  const setCookie = response.get('Set-Cookie') ?? [];
  const session = setCookie.find((cookie) => cookie.startsWith('session='));
  if (!session) throw new Error('The response set no session cookie');
  return session.split(';')[0];
}

/** The `Cookie` request header that sends back the device cookie a signin or signup set. */
export function deviceCookieFrom(response: request.Response): string {
  const device = (response.get('Set-Cookie') ?? []).find((cookie) => cookie.startsWith('device='));
  if (!device) throw new Error('The response set no device cookie');
  return device.split(';')[0];
}

/**
 * Signs a new user up through the API and returns the user and the cookie to send as them (what a
 * signed-in browser holds).
 */
export async function signup(
  app: Express,
  credentials: { email?: string; password?: string } = {},
): Promise<{ id: string; email: string; password: string; cookie: string }> {
  const email = credentials.email ?? uniqueEmail();
  const password = credentials.password ?? STRONG_PASSWORD;
  const response = await request(app).post('/api/users/signup').send({ email, password }).expect(201);
  const body = response.body as { id: string; email: string };
  return { id: body.id, email: body.email, password, cookie: sessionCookieFrom(response) };
}

/** A scrypt hash as auth stored them before argon2id: `$scrypt$ln=14,r=8,p=1$<salt>$<key>`. */
export function scryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  return `$scrypt$ln=14,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A hash in the oldest format: `<16-byte salt hex>.<64-byte scrypt key hex>`, Node's default cost. */
export function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}.${scryptSync(password, salt, 64).toString('hex')}`;
}
