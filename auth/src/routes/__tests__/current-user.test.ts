import {
  createSessionCookie,
  generateSessionKeyPair,
  SESSION_AUDIENCE,
  SESSION_ISSUER,
  sessionCookieFor,
  signSessionClaims,
} from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { Session } from '../../models/session';
import { signin, signup, TEST_CONFIG, testApp } from '../../test/helpers';

useMongoose();
const app = testApp();

async function currentUserWith(cookie?: string, on = app): Promise<unknown> {
  const call = request(on).get('/api/users/currentuser');
  if (cookie) call.set('Cookie', cookie);
  const response = await call.expect(200);
  return (response.body as { currentUser: unknown }).currentUser;
}

function tokenOf(cookie: string): string {
  const encoded = cookie.slice('session='.length);
  return (JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { jwt: string }).jwt;
}

const now = () => Math.floor(Date.now() / 1000);

describe('GET /api/users/currentuser', () => {
  it('when signed in, then it responds with the current user', async () => {
    const user = await signup(app);
    const current = (await currentUserWith(user.cookie)) as { exp: number; iat: number };
    expect(current).toEqual({ id: user.id, email: user.email, iat: expect.any(Number), exp: expect.any(Number) });
    expect(current.exp - current.iat).toBe(TEST_CONFIG.JWT_TTL);
  });

  it('when signed in, then the session is recorded (jti, userId, createdAt, lastSeenAt, expiresAt)', async () => {
    const user = await signup(app);
    const [header, payload] = tokenOf(user.cookie).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { jti: string; iss: string; aud: string };
    expect(claims).toMatchObject({ iss: SESSION_ISSUER, aud: SESSION_AUDIENCE });
    const stored = await Session.findOne({ jti: claims.jti }).lean();
    expect(stored).toMatchObject({ userId: user.id, revokedAt: null });
  });

  it('when not signed in, then currentUser is null', async () => {
    expect(await currentUserWith()).toBeNull();
  });

  it('when the cookie was tampered with, then currentUser is null', async () => {
    const user = await signup(app);
    const [header, payload, signature] = tokenOf(user.cookie).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, email: 'admin@example.com' })).toString('base64url');
    expect(await currentUserWith(sessionCookieFor(`${header}.${altered}.${signature}`))).toBeNull();
  });

  it('when the cookie was signed with another key, then currentUser is null', async () => {
    const user = await signup(app);
    expect(await currentUserWith(createSessionCookie({ id: user.id, email: user.email }, generateSessionKeyPair().privateKey))).toBeNull();
  });

  it('when a token with a valid signature names a session auth never recorded, then currentUser is null', async () => {
    expect(await currentUserWith(createSessionCookie({ id: 'u-1', email: 'u1@example.com' }, TEST_CONFIG.JWT_PRIVATE_KEY))).toBeNull();
  });

  it.each([
    ['has expired', { iat: now() - 7200, exp: now() - 3600 }],
    ['was issued a year in the future', { iat: now() + 365 * 86400, exp: now() + 366 * 86400 }],
    ['comes from another issuer', { iss: 'tickets' }],
  ])('when the token %s, then currentUser is null', async (_label, overrides) => {
    const { jti } = await signin();
    const claims = {
      id: 'u',
      email: 'u@example.com',
      iss: SESSION_ISSUER,
      aud: SESSION_AUDIENCE,
      jti,
      iat: now(),
      exp: now() + 600,
      ...overrides,
    };
    expect(await currentUserWith(sessionCookieFor(signSessionClaims(claims, TEST_CONFIG.JWT_PRIVATE_KEY)))).toBeNull();
  });

  it('when the session was idle longer than SESSION_IDLE_TIMEOUT, then currentUser is null; activity renews it', async () => {
    const quick = testApp({ SESSION_IDLE_TIMEOUT: 60 });
    const active = await signin();
    const idle = await signin();
    const longAgo = new Date(Date.now() - 61_000);
    await Session.updateMany({ jti: { $in: [active.jti, idle.jti] } }, { $set: { lastSeenAt: longAgo } });
    await Session.updateOne({ jti: active.jti }, { $set: { lastSeenAt: new Date(Date.now() - 30_000) } });
    expect(await currentUserWith(active.cookie, quick)).not.toBeNull();
    expect(await currentUserWith(idle.cookie, quick)).toBeNull();
    const renewed = await Session.findOne({ jti: active.jti }).lean();
    expect(Date.now() - (renewed?.lastSeenAt.getTime() ?? 0)).toBeLessThan(5000);
  });

  it('when the cookie is not a session at all, then currentUser is null', async () => {
    expect(await currentUserWith('session=this-is-not-base64-json')).toBeNull();
  });
});

describe('GET /api/users/sessions/:jti', () => {
  it('when the session is active, then {active: true}; unknown or malformed ids are {active: false}', async () => {
    const { jti } = await signin();
    await request(app).get(`/api/users/sessions/${jti}`).expect(200, { active: true });
    await request(app).get('/api/users/sessions/AAAAAAAAAAAAAAAAAAAAAA').expect(200, { active: false });
    await request(app).get('/api/users/sessions/%24gt').expect(200, { active: false });
  });
});
