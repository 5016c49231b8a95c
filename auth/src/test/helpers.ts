import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { AppConfig, createApp } from '../app';

export const TEST_CONFIG: AppConfig = { JWT_KEY: 'auth-test-jwt-key', JWT_TTL: 3600, COOKIE_SECURE: false };

/** The auth app with test settings (plain-HTTP cookies, a fixed key). */
export function testApp(): Express {
  return createApp(TEST_CONFIG);
}

/** A fresh address each call, so tests never collide on the unique email index. */
export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.com`;
}

/** The `Cookie` request header that sends back the session a response set. */
export function sessionCookieFrom(response: request.Response): string {
  const setCookie = response.get('Set-Cookie') ?? [];
  const session = setCookie.find((cookie) => cookie.startsWith('session='));
  if (!session) throw new Error('The response set no session cookie');
  return session.split(';')[0];
}

/**
 * Signs a new user up through the API (the course's `global.signin`) and returns the user and the
 * cookie to send as them.
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
