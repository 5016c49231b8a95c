import { randomUUID } from 'node:crypto';
import { createSessionCookie } from '@ticketing/common/http';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { User as UserView } from '../domain/users';
import { toUser, User, UserAttrs } from '../models/user';

export const TEST_CONFIG: AppConfig = { JWT_KEY: 'auth-test-jwt-key', JWT_TTL: 3600, COOKIE_SECURE: false };

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

/** A session for a new (or the given) user id, minted with the test key; no user is stored. */
export function signin(userId: string = newId()): { id: string; cookie: string } {
  return { id: userId, cookie: createSessionCookie({ id: userId, email: uniqueEmail() }, TEST_CONFIG.JWT_KEY, TEST_CONFIG.JWT_TTL) };
}

/** Valid signup credentials with a unique email. */
export function credentialsBody(overrides: Partial<{ email: unknown; password: unknown }> = {}): { email: unknown; password: unknown } {
  return { email: uniqueEmail(), password: 'password', ...overrides };
}

/** Stores a user directly (its password hashed on save), without the API. */
export async function buildUser(attrs: Partial<UserAttrs> = {}): Promise<UserView> {
  const doc = User.build({ email: uniqueEmail(), password: 'password', ...attrs });
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

/**
 * Signs a new user up through the API and returns the user and the cookie to send as them (what a
 * signed-in browser holds).
 */
export async function signup(
  app: Express,
  credentials: { email?: string; password?: string } = {},
): Promise<{ id: string; email: string; password: string; cookie: string }> {
  const email = credentials.email ?? uniqueEmail();
  const password = credentials.password ?? 'password';
  const response = await request(app).post('/api/users/signup').send({ email, password }).expect(201);
  const body = response.body as { id: string; email: string };
  return { id: body.id, email: body.email, password, cookie: sessionCookieFrom(response) };
}
