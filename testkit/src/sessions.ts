// Sessions for the tests of the services that verify them (tickets, orders, payments): one signing key
// pair per test file, auth's session check stood in for, and the course's `signin`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createSessionCookie, generateSessionKeyPair, type SessionCheck } from '@ticketing/common/http';
import { jestLifecycle } from './jest-hooks';
import { newId } from './mongoose';

/** The test key pair: sessions are signed the way auth signs them (Ed25519), with this private key. */
export const SESSION_KEYS = generateSessionKeyPair();

/** Stands in for auth's session check: every session is active unless `revokedSessions` holds its jti. */
export const revokedSessions = new Set<string>();
export const testSessionCheck: SessionCheck = (jti) => Promise.resolve(!revokedSessions.has(jti));

/** The course's `global.signin`: a new (or the given) user and the session cookie to send as them. */
export function signin(userId: string = newId()): { id: string; cookie: string } {
  const cookie = createSessionCookie({ id: userId, email: `user-${randomUUID()}@example.com` }, SESSION_KEYS.privateKey);
  return { id: userId, cookie };
}

/**
 * A stand-in for auth's `GET /api/users/sessions/:jti` for tests that run the whole service (AUTH_URL):
 * every session is active unless `revokedSessions` holds its jti. Started before, closed after the file.
 */
export function useFakeAuth(): { url: string } {
  const hooks = jestLifecycle('useFakeAuth()');
  const fake = { url: '' };
  let server: http.Server | undefined;
  hooks.beforeAll(async () => {
    server = http.createServer((req, res) => {
      const jti = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: !revokedSessions.has(jti) }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  hooks.afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return fake;
}
