import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import { createSessionCookie, generateSessionKeyPair, SessionCheck } from '@ticketing/common/http';
import { OutboxRelay } from '@ticketing/common/outbox';
import { fakeNatsWrapper } from '@ticketing/testkit';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { Ticket as TicketView, TicketAttrs } from '../domain/ticket';
import { Ticket, TicketBuildAttrs, toTicket } from '../models/ticket';
import { outbox } from '../outbox';

/** The test key pair: sessions are signed the way auth signs them (Ed25519), with this private key. */
export const SESSION_KEYS = generateSessionKeyPair();

export const TEST_CONFIG: AppConfig = { JWT_PUBLIC_KEY: SESSION_KEYS.publicKey, AUTH_URL: 'http://auth.invalid', COOKIE_SECURE: false };

/** Stands in for auth's session check: every session is active unless `revokedSessions` holds its jti. */
export const revokedSessions = new Set<string>();
export const testSessionCheck: SessionCheck = (jti) => Promise.resolve(!revokedSessions.has(jti));

/**
 * A stand-in for auth's `GET /api/users/sessions/:jti` for tests that run the whole service (AUTH_URL):
 * every session is active unless `revokedSessions` holds its jti. Started before, closed after the file.
 */
export function useFakeAuth(): { url: string } {
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

/** The tickets app with test settings (plain-HTTP cookies, a fixed key), optionally overridden. */
export function testApp(config: Partial<AppConfig> = {}): Express {
  return createApp({ ...TEST_CONFIG, ...config }, { sessionCheck: testSessionCheck });
}

export function newId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

/** The course's `global.signin`: a new (or the given) user and the session cookie to send as them. */
export function signin(userId: string = newId()): { id: string; cookie: string } {
  const cookie = createSessionCookie({ id: userId, email: `user-${randomUUID()}@example.com` }, SESSION_KEYS.privateKey);
  return { id: userId, cookie };
}

/** A valid ticket body with a unique title and a random price (whole cents: `n / 100` is exactly what "n.nn" parses to). */
export function ticketBody(overrides: Partial<{ title: unknown; price: unknown }> = {}): { title: unknown; price: unknown } {
  return { title: `concert ${randomUUID()}`, price: randomInt(100, 50_000) / 100, ...overrides };
}

/** Stores a ticket directly (no event in the outbox), as if it had been there before. */
export async function buildTicket(attrs: Partial<TicketBuildAttrs> = {}): Promise<TicketView> {
  const defaults: TicketAttrs = { title: `concert ${randomUUID()}`, price: 20, userId: newId() };
  const doc = Ticket.build({ ...defaults, ...attrs });
  await doc.save();
  return toTicket(doc);
}

/** Creates a ticket through the API as `cookie`'s user. */
export async function createTicketViaApi(app: Express, cookie: string = signin().cookie, body = ticketBody()): Promise<TicketView> {
  const response = await request(app).post('/api/tickets').set('Cookie', cookie).send(body).expect(201);
  return response.body as TicketView;
}

/**
 * For files that write through the outbox: creates the outbox collection once and clears the
 * fake broker's record before each test. Call after `useMongoose()`.
 */
export function useOutbox(): void {
  beforeAll(async () => {
    await outbox.init();
  });
  beforeEach(() => {
    fakeNatsWrapper.reset();
  });
}

/** Relays every outbox row to the fake broker (`jest.mock('../nats-wrapper')`), as the service's relay would. */
export async function relayOutbox(): Promise<void> {
  await new OutboxRelay(outbox, fakeNatsWrapper.client).drain();
}

/** The events the outbox holds (published or not), optionally only those on `subject`, in the order written. */
export async function outboxEvents(subject?: string): Promise<Array<{ subject: string; data: unknown; msgId: string }>> {
  const rows = await outbox.model
    .find(subject === undefined ? {} : { subject })
    .sort({ createdAt: 1, _id: 1 })
    .lean();
  return rows.map((row) => ({ subject: row.subject, data: row.data, msgId: row.msgId }));
}

/** The outbox rows of one aggregate, in version order. */
export async function outboxRows(aggregateId: string) {
  return outbox.model.find({ aggregateId }).sort({ aggregateVersion: 1 }).lean();
}
