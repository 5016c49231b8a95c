import request from 'supertest';
import { ReadinessCheck } from '../../core';
import { createServiceApp, createSessionCookie, generateSessionKeyPair, SECURE_SESSION_COOKIE_NAME } from '..';

const KEYS = generateSessionKeyPair();
const session = { publicKey: KEYS.publicKey, check: () => Promise.resolve(true) };

function appWith(readinessChecks: ReadinessCheck[], cookieSecure = false) {
  return createServiceApp({ session, cookieSecure, readinessChecks }, (routes) => {
    routes.post('/session', (req, res) => {
      req.session = { jwt: 'token' };
      res.json({});
    });
  });
}

describe('createServiceApp', () => {
  it('when /healthz is called, then 200 ok without touching dependencies', async () => {
    const check = jest.fn(() => false);
    const response = await request(appWith([{ name: 'database', check }]))
      .get('/healthz')
      .expect(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(check).not.toHaveBeenCalled();
  });

  it('when every readiness check passes, then /readyz is 200', async () => {
    const app = appWith([
      { name: 'database', check: () => true },
      { name: 'broker', check: async () => true },
    ]);
    const response = await request(app).get('/readyz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when checks fail or throw, then /readyz is 503 naming each of them in the error shape', async () => {
    const app = appWith([
      { name: 'database', check: () => false },
      { name: 'cache', check: () => true },
      {
        name: 'broker',
        check: async () => {
          throw new Error('nats://internal-host:4222 refused');
        },
      },
    ]);
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({
      errors: [{ message: 'database is not ready' }, { message: 'broker is not ready' }],
    });
    expect(response.text).not.toContain('internal-host');
  });

  it('when a route sets the session, then the cookie is httpOnly, lax and named session', async () => {
    const response = await request(appWith([])).post('/session').expect(200);
    const cookies = response.headers['set-cookie'] as unknown as string[];
    expect(cookies).toEqual([expect.stringMatching(/^session=[^;]+; path=\/; samesite=lax; httponly$/)]);
  });

  it('when cookies are secure and the ingress forwarded HTTPS, then the cookie is marked secure', async () => {
    const response = await request(appWith([], true)).post('/session').set('X-Forwarded-Proto', 'https').expect(200);
    const cookies = response.headers['set-cookie'] as unknown as string[];
    expect(cookies[0]).toMatch(/; secure; httponly$/);
  });

  it('when cookies are secure and the request is plain HTTP, then no session cookie is sent', async () => {
    // cookie-session drops the cookie rather than failing the response.
    const response = await request(appWith([], true)).post('/session').expect(200);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('when a session cookie is minted with createSessionCookie, then the app reads it', async () => {
    const app = createServiceApp({ session, cookieSecure: false }, (routes) => {
      routes.get('/me', (req, res) => {
        res.json(req.currentUser ?? null);
      });
    });
    const cookie = createSessionCookie({ id: 'u1', email: 'u1@example.com' }, KEYS.privateKey, 60);
    const response = await request(app).get('/me').set('Cookie', cookie).expect(200);
    expect(response.body).toMatchObject({ id: 'u1', email: 'u1@example.com' });
    const { iat, exp } = response.body as { iat: number; exp: number };
    expect(exp - iat).toBe(60);
  });

  it('when cookies are secure and the request came over HTTPS, then the cookie is __Host-session, Secure, path /, no domain', async () => {
    const response = await request(appWith([], true)).post('/session').set('X-Forwarded-Proto', 'https').expect(200);
    const [cookie] = response.get('Set-Cookie') ?? [];
    expect(SECURE_SESSION_COOKIE_NAME).toBe('__Host-session');
    expect(cookie).toMatch(/^__Host-session=/);
    expect(cookie).toMatch(/; path=\/;/);
    expect(cookie).toMatch(/; secure/);
    expect(cookie).not.toMatch(/domain=/i);
  });

  it('when cookies are not secure, then the cookie is named session', async () => {
    const response = await request(appWith([])).post('/session').expect(200);
    expect(response.get('Set-Cookie')?.[0]).toMatch(/^session=/);
  });

  it('when the app answers, then it does not advertise Express', async () => {
    const response = await request(appWith([])).get('/healthz');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
