import { randomUUID } from 'node:crypto';
import { createSessionCookie } from '@ticketing/common/http';
import { OrderStatus } from '@ticketing/common/contracts';
import { OutboxRelay } from '@ticketing/common/outbox';
import type { Express } from 'express';
import { Types } from 'mongoose';
import { useMongoose } from '@ticketing/testkit';
import { AppConfig, createApp } from '../app';
import { initDatabase, outbox } from '../database';
import { Order, OrderDoc } from '../models/order';
import { Ticket, TicketDoc } from '../models/ticket';
import { natsWrapper } from '../nats-wrapper';

export const TEST_CONFIG: AppConfig = { JWT_KEY: 'orders-test-jwt-key', COOKIE_SECURE: false, EXPIRATION_WINDOW_SECONDS: 900 };

/**
 * A fresh database for this test file, with the service's collections and indexes (the unique index
 * on active orders included), emptied before each test; also forgets the fake broker's publishes.
 */
export function useOrdersDatabase(): void {
  useMongoose();
  beforeAll(() => initDatabase());
  beforeEach(() => jest.clearAllMocks());
}

/** The orders app with test settings (plain-HTTP cookies, a fixed key). */
export function testApp(config: Partial<AppConfig> = {}): Express {
  return createApp({ ...TEST_CONFIG, ...config });
}

export function newId(): string {
  return new Types.ObjectId().toHexString();
}

/** A signed-in user (the course's `global.signin`): a fresh id unless given. */
export function signin(userId: string = newId()): { id: string; cookie: string } {
  return { id: userId, cookie: createSessionCookie({ id: userId, email: `user-${randomUUID()}@example.com` }, TEST_CONFIG.JWT_KEY) };
}

/** A replica ticket as ticket:created would have made it. */
export async function buildTicket(attrs: { title?: string; price?: number; version?: number } = {}): Promise<TicketDoc> {
  const id = newId();
  await Ticket.insertReplica({
    id,
    title: attrs.title ?? `concert ${randomUUID().slice(0, 8)}`,
    price: attrs.price ?? 20,
    version: attrs.version ?? 0,
  });
  const ticket = await Ticket.findById(id);
  if (!ticket) throw new Error('the ticket was not stored');
  return ticket;
}

/** An order stored directly (no event), e.g. to set up a reserved ticket. */
export async function buildOrder(attrs: { ticket: TicketDoc; userId?: string; status?: OrderStatus; expiresAt?: Date }): Promise<OrderDoc> {
  const order = Order.build({
    ticket: attrs.ticket,
    userId: attrs.userId ?? newId(),
    status: attrs.status ?? OrderStatus.Created,
    expiresAt: attrs.expiresAt ?? new Date(Date.now() + 15 * 60_000),
  });
  await order.save();
  return order;
}

/** The events written to the outbox, oldest first. */
export async function outboxEvents(subject?: string): Promise<Array<{ subject: string; data: Record<string, unknown>; msgId: string }>> {
  const rows = await outbox.model
    .find(subject ? { subject } : {})
    .sort({ createdAt: 1, _id: 1 })
    .lean();
  return rows.map((row) => ({ subject: row.subject, data: row.data, msgId: row.msgId }));
}

/** Publishes every outbox row through the (mocked) NATS client, as the relay would. */
export async function drainOutbox(): Promise<void> {
  await new OutboxRelay(outbox, natsWrapper.client).drain();
}
