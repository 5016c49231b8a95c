import { randomInt, randomUUID } from 'node:crypto';
import { EMBEDDED_OUTBOX_FIELD, OutboxRelay, type EmbeddedEvent } from '@ticketing/common/outbox';
import { fakeNatsWrapper, newId } from '@ticketing/testkit';
import { SESSION_KEYS, signin, testSessionCheck } from '@ticketing/testkit/sessions';
import type { Express } from 'express';
import { Types } from 'mongoose';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { Ticket as TicketView, TicketAttrs } from '../domain/ticket';
import { Ticket, TicketBuildAttrs, toTicket } from '../models/ticket';
import { ticketEvents } from '../outbox';

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
 * For files that write tickets' events: creates the outbox's index once and clears the fake broker's
 * record before each test. Call after `useMongoose()`.
 */
export function useOutbox(): void {
  beforeAll(async () => {
    await ticketEvents.init();
  });
  beforeEach(() => {
    fakeNatsWrapper.reset();
  });
}

/** Relays every event the tickets hold to the fake broker (`jest.mock('../nats-wrapper')`), as the service's relay would. */
export async function relayOutbox(): Promise<void> {
  await new OutboxRelay(ticketEvents, fakeNatsWrapper.client).drain();
}

/** The events the ticket still holds (written, not yet published), in version order; none for an unknown ticket. */
export async function outboxRows(ticketId: string): Promise<EmbeddedEvent[]> {
  const doc = await Ticket.collection.findOne<{ [EMBEDDED_OUTBOX_FIELD]?: EmbeddedEvent[] }>(
    { _id: new Types.ObjectId(ticketId) },
    { projection: { [EMBEDDED_OUTBOX_FIELD]: 1 } },
  );
  return [...(doc?.[EMBEDDED_OUTBOX_FIELD] ?? [])].sort((a, b) => a.aggregateVersion - b.aggregateVersion);
}

/** The events all tickets still hold (written, not yet published), optionally only those on `subject`, oldest first. */
export async function outboxEvents(subject?: string): Promise<Array<{ subject: string; data: unknown; msgId: string }>> {
  const docs = await Ticket.collection
    .find<{ [EMBEDDED_OUTBOX_FIELD]: EmbeddedEvent[] }>({ outboxPending: true }, { projection: { [EMBEDDED_OUTBOX_FIELD]: 1 } })
    .toArray();
  return docs
    .flatMap((doc) => doc[EMBEDDED_OUTBOX_FIELD])
    .filter((event) => subject === undefined || event.subject === subject)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((event) => ({ subject: event.subject, data: event.data, msgId: event.msgId }));
}

/** How many events all tickets still hold (written, not yet published). */
export async function pendingEventCount(): Promise<number> {
  return (await ticketEvents.levels()).backlog;
}
