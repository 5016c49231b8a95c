import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import {
  cachedSessionCheck,
  createServiceApp,
  createSessionCookie,
  generateSessionKeyPair,
  httpSessionCheck,
  mintSession,
  requireAuth,
  SESSION_AUDIENCE,
  SESSION_COOKIE_NAME,
  SESSION_ISSUER,
  sessionCookieFor,
  SessionCheck,
  sessionClaimsVerifier,
  signSessionClaims,
  verifySessionToken,
} from '../..';

const KEYS = generateSessionKeyPair();
const OTHER_KEYS = generateSessionKeyPair();
const user = { id: '64b7f0c2a1b2c3d4e5f60718', email: 'someone@example.com' };
const revoked = new Set<string>();
const check: SessionCheck = (jti) => Promise.resolve(!revoked.has(jti));

function cookieFor(session: unknown): string {
  return `${SESSION_COOKIE_NAME}=${Buffer.from(JSON.stringify(session)).toString('base64')}`;
}

function appWith(sessionCheck: SessionCheck = check): express.Express {
  return createServiceApp({ cookieSecure: false, session: { publicKey: KEYS.publicKey, check: sessionCheck } }, (routes) => {
    routes.get('/whoami', (req, res) => {
      res.json({ currentUser: req.currentUser ?? null });
    });
    routes.get('/private', requireAuth, (req, res) => {
      res.json({ id: req.currentUser?.id });
    });
  });
}

const app = appWith();

async function whoami(cookie?: string, on: express.Express = app): Promise<unknown> {
  const call = request(on).get('/whoami');
  if (cookie) call.set('Cookie', cookie);
  const response = await call.expect(200);
  return (response.body as { currentUser: unknown }).currentUser;
}

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  const iat = now();
  return { ...user, iss: SESSION_ISSUER, aud: SESSION_AUDIENCE, jti: 'a-session-id-0123456789', iat, exp: iat + 3600, ...overrides };
}

describe('currentUser', () => {
  it('when the session holds a valid, active token, then currentUser has id, email, iat, exp and jti', async () => {
    const current = await whoami(createSessionCookie(user, KEYS.privateKey));
    expect(current).toEqual({ ...user, iat: expect.any(Number), exp: expect.any(Number), jti: expect.any(String) });
    const { iat, exp } = current as { iat: number; exp: number };
    expect(exp - iat).toBe(43200);
  });

  it('when a token is minted, then it is EdDSA and carries iss, aud, jti, iat and exp', () => {
    const { token, jti } = mintSession(user, KEYS.privateKey, 60);
    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header.alg).toBe('EdDSA');
    expect(decoded?.payload).toEqual({
      ...user,
      iss: SESSION_ISSUER,
      aud: SESSION_AUDIENCE,
      jti,
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('when the token is signed with another key, then signed out', async () => {
    expect(await whoami(createSessionCookie(user, OTHER_KEYS.privateKey))).toBeNull();
  });

  it('when the session was revoked (signed out), then signed out although the token is valid', async () => {
    const session = mintSession(user, KEYS.privateKey);
    expect(await whoami(sessionCookieFor(session.token))).not.toBeNull();
    revoked.add(session.jti);
    expect(await whoami(sessionCookieFor(session.token))).toBeNull();
  });

  it.each([
    ['iat a year in the future', { iat: now() + 365 * 86400, exp: now() + 366 * 86400 }],
    ['iat 5 minutes in the future', { iat: now() + 300 }],
    ['nbf in the future', { nbf: now() + 300 }],
    ['expired', { iat: now() - 7200, exp: now() - 3600 }],
    ['another issuer', { iss: 'tickets' }],
    ['another audience', { aud: 'someone-else' }],
    ['no jti', { jti: undefined }],
    ['no exp', { exp: undefined }],
    ['no email', { email: undefined }],
  ])('when the token has %s, then signed out', async (_label, overrides) => {
    expect(await whoami(sessionCookieFor(signSessionClaims(claims(overrides) as never, KEYS.privateKey)))).toBeNull();
  });

  it('when a token was accepted before, then it still expires and a changed byte is verified in full', () => {
    const verify = sessionClaimsVerifier(KEYS.publicKey);
    const token = signSessionClaims(claims({ exp: now() + 60 }), KEYS.privateKey);
    expect(verify(token)).toEqual(expect.objectContaining({ id: user.id, jti: 'a-session-id-0123456789' }));
    expect(verify(token)).toEqual(expect.objectContaining({ id: user.id }));
    // The remembered token is past its exp a minute later.
    expect(verify(token, now() + 61)).toBeNull();
    // Forgotten once expired, it is verified in full again (and is valid at an earlier time).
    expect(verify(token, now() + 30)).not.toBeNull();

    const fresh = signSessionClaims(claims(), KEYS.privateKey);
    expect(verify(fresh)).not.toBeNull();
    const [header, payload, signature] = fresh.split('.');
    const forgedPayload = Buffer.from(JSON.stringify(claims({ id: '64b7f0c2a1b2c3d4e5f6ffff' }))).toString('base64url');
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect(verify(`${header}.${forgedPayload}.${signature}`)).toBeNull();
    expect(verify(`${header}.${payload}.${flipped}`)).toBeNull();
    expect(verify(`${fresh} `)).toBeNull();
  });

  it('when another key verifies, then what one verifier remembered is not accepted by it', () => {
    const token = signSessionClaims(claims(), KEYS.privateKey);
    expect(sessionClaimsVerifier(KEYS.publicKey)(token)).not.toBeNull();
    expect(sessionClaimsVerifier(OTHER_KEYS.publicKey)(token)).toBeNull();
  });

  it('when more tokens were accepted than it keeps, then the older ones are verified again and still pass', () => {
    const verify = sessionClaimsVerifier(KEYS.publicKey, { max: 2 });
    const tokens = [1, 2, 3].map((i) => signSessionClaims(claims({ jti: `session-${i}-0123456789abc` }), KEYS.privateKey));
    for (const token of tokens) expect(verify(token)).not.toBeNull();
    expect(tokens.map((token) => verify(token)?.jti)).toEqual([
      'session-1-0123456789abc',
      'session-2-0123456789abc',
      'session-3-0123456789abc',
    ]);
  });

  it('when iat is within the 30 s clock skew, then the token is accepted', async () => {
    expect(await whoami(sessionCookieFor(signSessionClaims(claims({ iat: now() + 20 }), KEYS.privateKey)))).not.toBeNull();
  });

  it('when the token is HS256 keyed with the public key, or alg none, then signed out', async () => {
    const hmac = jwt.sign(claims(), KEYS.publicKey, { algorithm: 'HS256' });
    const [, payload] = mintSession(user, KEYS.privateKey).token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(await whoami(sessionCookieFor(hmac))).toBeNull();
    expect(await whoami(sessionCookieFor(none))).toBeNull();
  });

  it('when the key pair is P-256, then ES256 tokens verify', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { token } = mintSession(user, ec.privateKey);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('ES256');
    expect(verifySessionToken(token, ec.publicKey)).toMatchObject(user);
    expect(verifySessionToken(token, KEYS.publicKey)).toBeNull();
  });

  it.each([
    ['a session without jwt', cookieFor({})],
    ['a jwt that is not a string', cookieFor({ jwt: { alg: 'none' } })],
    ['a garbage token', cookieFor({ jwt: 'not.a.jwt' })],
    ['a cookie that is not base64 JSON', `${SESSION_COOKIE_NAME}=%%%garbage`],
  ])('when the cookie holds %s, then signed out, never a 500', async (_label, cookie) => {
    expect(await whoami(cookie)).toBeNull();
  });

  it('when the session check fails (auth unreachable), then signed out and requireAuth answers 401', async () => {
    const failing = appWith(() => Promise.reject(new Error('auth down')));
    const cookie = createSessionCookie(user, KEYS.privateKey);
    expect(await whoami(cookie, failing)).toBeNull();
    await request(failing).get('/private').set('Cookie', cookie).expect(401);
  });

  it('when created with a key that is not a public session key, then it refuses to start', () => {
    const options = (publicKey: string) => ({ cookieSecure: false, session: { publicKey, check } });
    expect(() => createServiceApp(options(''), () => undefined)).toThrow(/public key/);
    expect(() => createServiceApp(options('secret'), () => undefined)).toThrow();
    expect(() => createServiceApp(options(KEYS.privateKey), () => undefined)).toThrow();
  });
});

describe('httpSessionCheck', () => {
  let server: http.Server;
  let url = '';
  let asked: string[] = [];
  let answer: (jti: string) => { status: number; body?: unknown } = () => ({ status: 200, body: { active: true } });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const jti = decodeURIComponent((req.url ?? '').replace('/api/users/sessions/', ''));
      asked.push(jti);
      const { status, body } = answer(jti);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    asked = [];
    answer = () => ({ status: 200, body: { active: true } });
  });

  it('when auth answers active, then true, and the answer is reused within the cache time', async () => {
    const sessionCheck = httpSessionCheck(url);
    expect(await Promise.all([sessionCheck('j1'), sessionCheck('j1')])).toEqual([true, true]);
    expect(await sessionCheck('j1')).toBe(true);
    expect(asked).toEqual(['j1']);
  });

  it('when auth answers inactive, a 404 or a 500, then false', async () => {
    answer = (jti) => (jti === 'gone' ? { status: 200, body: { active: false } } : jti === 'unknown' ? { status: 404 } : { status: 500 });
    const sessionCheck = httpSessionCheck(url);
    expect(await sessionCheck('gone')).toBe(false);
    expect(await sessionCheck('unknown')).toBe(false);
    expect(await sessionCheck('broken')).toBe(false);
  });

  it('when auth is unreachable, then false (fail closed)', async () => {
    expect(await httpSessionCheck('http://127.0.0.1:9', { timeoutMs: 500 })('j')).toBe(false);
  });

  it('when the active answer is older than the cache time, then auth is asked again and a revocation shows', async () => {
    let clock = 0;
    const states = [true, false];
    const sessionCheck = cachedSessionCheck(() => Promise.resolve(states.shift() ?? false), { activeTtlMs: 2000, now: () => clock });
    expect(await sessionCheck('j')).toBe(true);
    clock = 1999;
    expect(await sessionCheck('j')).toBe(true);
    clock = 2001;
    expect(await sessionCheck('j')).toBe(false);
  });

  it('when the lookup does not answer within lookupTimeoutMs, then the session counts as inactive, is not cached, and the next check asks again', async () => {
    const answers: Array<Promise<boolean>> = [new Promise<boolean>(() => undefined), Promise.resolve(true)];
    const lookup = jest.fn(() => answers.shift() ?? Promise.resolve(false));
    const sessionCheck = cachedSessionCheck(lookup, { lookupTimeoutMs: 20 });

    expect(await sessionCheck('j')).toBe(false);
    expect(await sessionCheck('j')).toBe(true);
    expect(lookup).toHaveBeenCalledTimes(2);
  });
});

describe('requireAuth', () => {
  it('when signed out, then 401 Not authorized in the error shape', async () => {
    const response = await request(app).get('/private').expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('when signed in, then the route runs', async () => {
    const response = await request(app).get('/private').set('Cookie', createSessionCookie(user, KEYS.privateKey)).expect(200);
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
