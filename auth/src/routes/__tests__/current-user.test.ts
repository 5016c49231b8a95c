import { createSessionCookie } from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { signup, TEST_CONFIG, testApp } from '../../test/helpers';

useMongoose();
const app = testApp();

async function currentUserWith(cookie?: string): Promise<unknown> {
  const call = request(app).get('/api/users/currentuser');
  if (cookie) call.set('Cookie', cookie);
  const response = await call.expect(200);
  return (response.body as { currentUser: unknown }).currentUser;
}

function withToken(token: string): string {
  return `session=${Buffer.from(JSON.stringify({ jwt: token })).toString('base64')}`;
}

function tokenOf(cookie: string): string {
  const encoded = cookie.slice('session='.length);
  return (JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { jwt: string }).jwt;
}

describe('GET /api/users/currentuser', () => {
  it('when signed in, then it responds with the current user', async () => {
    const user = await signup(app);
    const current = (await currentUserWith(user.cookie)) as { exp: number; iat: number };
    expect(current).toEqual({ id: user.id, email: user.email, iat: expect.any(Number), exp: expect.any(Number) });
    expect(current.exp - current.iat).toBe(TEST_CONFIG.JWT_TTL);
  });

  it('when not signed in, then currentUser is null', async () => {
    expect(await currentUserWith()).toBeNull();
  });

  it('when the cookie was tampered with, then currentUser is null', async () => {
    const user = await signup(app);
    const [header, payload, signature] = tokenOf(user.cookie).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, email: 'admin@example.com' })).toString('base64url');
    expect(await currentUserWith(withToken(`${header}.${altered}.${signature}`))).toBeNull();
  });

  it('when the cookie was forged with another key, then currentUser is null', async () => {
    const user = await signup(app);
    expect(await currentUserWith(createSessionCookie({ id: user.id, email: user.email }, 'guessed-key'))).toBeNull();
  });

  it('when the token has expired, then currentUser is null', async () => {
    const user = await signup(app);
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ id: user.id, email: user.email, iat: now - 7200, exp: now - 3600 }, TEST_CONFIG.JWT_KEY);
    expect(await currentUserWith(withToken(expired))).toBeNull();
  });

  it('when the cookie is not a session at all, then currentUser is null', async () => {
    expect(await currentUserWith('session=this-is-not-base64-json')).toBeNull();
  });
});
