import { randomInt, randomUUID } from 'node:crypto';
import { createSessionCookie } from '@ticketing/common/http';
import { OutboxRelay } from '@ticketing/common/outbox';
import { fakeNatsWrapper } from '@ticketing/testkit';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { AppConfig, createApp } from '../app';
import type { TicketJson } from '../models/ticket';
import { inbox, outbox } from '../outbox';

export const TEST_CONFIG: AppConfig = { JWT_KEY: 'tickets-test-jwt-key', COOKIE_SECURE: false };

/** The tickets app with test settings (plain-HTTP cookies, a fixed key). */
export function testApp(): Express {
  return createApp(TEST_CONFIG);
}

export function newId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

/** The course's `global.signin`: a session cookie for a new (or the given) user. */
export function signin(userId: string = newId()): string {
  return createSessionCookie({ id: userId, email: `user-${randomUUID()}@example.com` }, TEST_CONFIG.JWT_KEY);
}

/** A valid ticket body with a unique title and a random price. */
export function ticketBody(overrides: Partial<{ title: unknown; price: unknown }> = {}): { title: unknown; price: unknown } {
  return { title: `concert ${randomUUID()}`, price: randomInt(1, 500) + randomInt(0, 100) / 100, ...overrides };
}

/** Creates a ticket through the API as `cookie`'s user. */
export async function createTicketViaApi(app: Express, cookie: string = signin(), body = ticketBody()): Promise<TicketJson> {
  const response = await request(app).post('/api/tickets').set('Cookie', cookie).send(body).expect(201);
  return response.body as TicketJson;
}

/**
 * For files that write through the outbox: creates the outbox and inbox collections once and clears the
 * fake broker's record before each test. Call after `useMongoose()`.
 */
export function useOutbox(): void {
  beforeAll(async () => {
    await Promise.all([outbox.init(), inbox.init()]);
  });
  beforeEach(() => {
    fakeNatsWrapper.reset();
  });
}

/** Relays every outbox row to the fake broker (`jest.mock('../nats-wrapper')`), as the service's relay would. */
export async function relayOutbox(): Promise<void> {
  await new OutboxRelay(outbox, fakeNatsWrapper.client).drain();
}

/** The outbox rows of one aggregate, in version order. */
export async function outboxRows(aggregateId: string) {
  return outbox.model.find({ aggregateId }).sort({ aggregateVersion: 1 }).lean();
}
