// Sessions across services through the gateway: a cookie copied before signout is refused by every
// service after it (auth revokes the session; tickets, orders and payments ask auth over AUTH_URL).
import { eventually } from '@ticketing/testkit';
import { ApiClient } from './support/api-client';
import { startSystemStack, type SystemStack } from './support/system-stack';

describe('sessions through the gateway', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('when auth runs as one replica, then the other services ask it directly (AUTH_URL), as through auth-srv in Kubernetes', () => {
    const [auth] = system.stack.services.auth;
    for (const name of ['tickets', 'orders', 'payments'] as const) {
      expect(system.stack.services[name][0].env.AUTH_URL).toBe(auth.url);
    }
    expect(auth.url).not.toBe(system.stack.url);
  });

  it('when a session cookie is copied before signout, then within seconds after it every service refuses it (401)', async () => {
    const user = new ApiClient(system.stack.url);
    await user.signup();
    const copied = user.sessionCookie;
    expect(copied).toMatch(/^session=/);

    const attacker = new ApiClient(system.stack.url);
    attacker.useCookie(copied);
    const sell = await attacker.request('POST', '/api/tickets', { title: 'before signout', price: 10 });
    expect(sell.status).toBe(201);
    expect((await attacker.request('GET', '/api/orders')).status).toBe(200);

    const signedOut = await user.request('POST', '/api/users/signout');
    expect(signedOut.status).toBe(200);
    const signedOutAt = Date.now();

    // auth refuses it at once; the others within their cache time (2 s).
    const me = await attacker.request<{ currentUser: unknown }>('GET', '/api/users/currentuser');
    expect(me.body.currentUser).toBeNull();
    await eventually(
      async () => {
        expect((await attacker.request('POST', '/api/tickets', { title: 'after signout', price: 10 })).status).toBe(401);
        expect((await attacker.request('GET', '/api/orders')).status).toBe(401);
        expect((await attacker.request('GET', '/api/payments?orderId=64b7f0c2a1b2c3d4e5f60718')).status).toBe(401);
        return true;
      },
      'every service to refuse the copied cookie',
      5_000,
    );
    expect(Date.now() - signedOutAt).toBeLessThan(5_000);
  }, 60_000);

  it('when the user signs in again, then the new session works and the old cookie stays refused', async () => {
    const user = new ApiClient(system.stack.url);
    await user.signup();
    const old = user.sessionCookie;
    await user.request('POST', '/api/users/signout');
    const signin = await user.request('POST', '/api/users/signin', { email: user.email, password: user.password });
    expect(signin.status).toBe(200);
    expect((await user.request('GET', '/api/orders')).status).toBe(200);
    const attacker = new ApiClient(system.stack.url);
    attacker.useCookie(old);
    await eventually(async () => (await attacker.request('GET', '/api/orders')).status === 401, 'orders to refuse the old cookie', 5_000);
  }, 60_000);
});
