import { randomInt, randomUUID } from 'node:crypto';
import { OutboxRelay } from '@ticketing/common/outbox';
import { fakeNatsWrapper, newId } from '@ticketing/testkit';
import { SESSION_KEYS, signin, testSessionCheck } from '@ticketing/testkit/sessions';
import type { Express } from 'express';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { Ticket as TicketView, TicketAttrs } from '../domain/ticket';
import { Ticket, TicketBuildAttrs, toTicket } from '../models/ticket';
import { outbox } from '../outbox';

export { newId } from '@ticketing/testkit';
export { SESSION_KEYS, signin, testSessionCheck, useFakeAuth } from '@ticketing/testkit/sessions';

export const TEST_CONFIG: AppConfig = { JWT_PUBLIC_KEY: SESSION_KEYS.publicKey, AUTH_URL: 'http://auth.invalid', COOKIE_SECURE: false };

/** The tickets app with test settings (plain-HTTP cookies, a fixed key), optionally overridden. */
export function testApp(config: Partial<AppConfig> = {}): Express {
  return createApp({ ...TEST_CONFIG, ...config }, { sessionCheck: testSessionCheck });
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
