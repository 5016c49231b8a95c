import { KeyObject } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createServiceApp, createSessionCookie, createSessionToken, requireAuth, SESSION_COOKIE_NAME } from '../..';

const JWT_KEY = 'current-user-test-key';
const user = { id: '64b7f0c2a1b2c3d4e5f60718', email: 'someone@example.com' };

function cookieFor(session: unknown): string {
  return `${SESSION_COOKIE_NAME}=${Buffer.from(JSON.stringify(session)).toString('base64')}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const app = createServiceApp({ jwtKey: JWT_KEY, cookieSecure: false }, (routes) => {
  routes.get('/whoami', (req, res) => {
    res.json({ currentUser: req.currentUser ?? null });
  });
  routes.get('/private', requireAuth, (req, res) => {
    res.json({ id: req.currentUser?.id });
  });
});

async function whoami(cookie?: string): Promise<unknown> {
  const call = request(app).get('/whoami');
  if (cookie) call.set('Cookie', cookie);
  const response = await call.expect(200);
  return (response.body as { currentUser: unknown }).currentUser;
}

describe('currentUser', () => {
  it('when the session holds a valid token, then currentUser has id, email, iat and exp', async () => {
    const current = await whoami(createSessionCookie(user, JWT_KEY));
    expect(current).toEqual({ ...user, iat: expect.any(Number), exp: expect.any(Number) });
    const { iat, exp } = current as { iat: number; exp: number };
    expect(exp - iat).toBe(86400);
  });

  it('when there is no cookie, then the request is signed out', async () => {
    expect(await whoami()).toBeNull();
  });

  it('when the token payload was tampered with, then the request is signed out', async () => {
    const [header, , signature] = createSessionToken(user, JWT_KEY).split('.');
    const forgedPayload = base64url({ ...user, id: 'someone-else', iat: 1, exp: 4102444800 });
    expect(await whoami(cookieFor({ jwt: `${header}.${forgedPayload}.${signature}` }))).toBeNull();
  });

  it('when the token was signed with another key, then the request is signed out', async () => {
    expect(await whoami(createSessionCookie(user, 'some-other-key'))).toBeNull();
  });

  it('when the token has expired, then the request is signed out', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = jwt.sign({ ...user, iat: past - 3600, exp: past }, JWT_KEY, { algorithm: 'HS256' });
    expect(await whoami(cookieFor({ jwt: expired }))).toBeNull();
  });

  it('when the token uses alg none, then the request is signed out', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...user, iat: now, exp: now + 3600 })}.`;
    expect(await whoami(cookieFor({ jwt: unsigned }))).toBeNull();
  });

  it('when the token uses another HMAC algorithm with the right key, then the request is signed out', async () => {
    const hs512 = jwt.sign(user, JWT_KEY, { algorithm: 'HS512', expiresIn: 3600 });
    expect(await whoami(cookieFor({ jwt: hs512 }))).toBeNull();
  });

  it('when the token never expires, then the request is signed out', async () => {
    const forever = jwt.sign(user, JWT_KEY, { algorithm: 'HS256' });
    expect(await whoami(cookieFor({ jwt: forever }))).toBeNull();
  });

  it('when the token lacks the email claim, then the request is signed out', async () => {
    const partial = jwt.sign({ id: user.id }, JWT_KEY, { algorithm: 'HS256', expiresIn: 3600 });
    expect(await whoami(cookieFor({ jwt: partial }))).toBeNull();
  });

  it.each([
    ['a non-string jwt', cookieFor({ jwt: { id: user.id } })],
    ['a token that is not a JWT', cookieFor({ jwt: 'not.a.jwt' })],
    ['a cookie that is not base64 JSON', `${SESSION_COOKIE_NAME}=%%%garbage`],
  ])('when the session holds %s, then the request is signed out', async (_label, cookie) => {
    expect(await whoami(cookie)).toBeNull();
  });

  it('when requests are verified, then jsonwebtoken gets one prepared secret key, not the string it would re-parse (and fail to read as a PEM key) per request', async () => {
    const verify = jest.spyOn(jwt, 'verify');
    try {
      expect(await whoami(createSessionCookie(user, JWT_KEY))).not.toBeNull();
      expect(await whoami(createSessionCookie(user, JWT_KEY))).not.toBeNull();
      const keys = verify.mock.calls.map((call) => call[1]);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBeInstanceOf(KeyObject);
      expect((keys[0] as KeyObject).type).toBe('secret');
      expect(keys[1]).toBe(keys[0]);
    } finally {
      verify.mockRestore();
    }
  });

  it('when created without a key, then it refuses to start', () => {
    expect(() => createServiceApp({ jwtKey: '', cookieSecure: false }, () => undefined)).toThrow(/JWT key/);
  });
});

describe('requireAuth', () => {
  it('when signed out, then 401 Not authorized in the error shape', async () => {
    const response = await request(app).get('/private').expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('when signed in, then the route runs', async () => {
    const response = await request(app).get('/private').set('Cookie', createSessionCookie(user, JWT_KEY)).expect(200);
    expect(response.body).toEqual({ id: user.id });
  });

  it('when mounted without currentUser, then it still refuses', async () => {
    const bare = express();
    bare.get('/private', requireAuth, (_req, res) => {
      res.send('reached');
    });
    const response = await request(bare).get('/private');
    expect(response.status).toBe(401);
    expect(response.text).not.toContain('reached');
  });
});
