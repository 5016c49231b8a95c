import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createSessionCookie, generateSessionKeyPair, SessionCheck } from '@ticketing/common/http';
import mongoose from 'mongoose';

/** The test key pair: sessions are signed the way auth signs them (Ed25519), with this private key. */
export const SESSION_KEYS = generateSessionKeyPair();

/** Stands in for auth's session check: every session is active unless `revokedSessions` holds its jti. */
export const revokedSessions = new Set<string>();
export const testSessionCheck: SessionCheck = (jti) => Promise.resolve(!revokedSessions.has(jti));

interface FileHooks {
  beforeAll(fn: () => Promise<void> | void): void;
  afterAll(fn: () => Promise<void> | void): void;
}

/**
 * A stand-in for auth's `GET /api/users/sessions/:jti` for tests that run a whole service (AUTH_URL):
 * every session is active unless `revokedSessions` holds its jti. Started before, closed after the file.
 */
export function useFakeAuth(): { url: string } {
  const hooks = globalThis as Partial<FileHooks>;
  if (typeof hooks.beforeAll !== 'function' || typeof hooks.afterAll !== 'function') {
    throw new Error('useFakeAuth() registers Jest hooks: call it at the top level of a Jest test file');
  }
  const { beforeAll, afterAll } = hooks as FileHooks;
  const fake = { url: '' };
  let server: http.Server | undefined;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const jti = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: !revokedSessions.has(jti) }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return fake;
}

export function newId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

/** The course's `global.signin`: a new (or the given) user and the session cookie to send as them. */
export function signin(userId: string = newId()): { id: string; cookie: string } {
  return { id: userId, cookie: createSessionCookie({ id: userId, email: `user-${randomUUID()}@example.com` }, SESSION_KEYS.privateKey) };
}
