import { randomUUID } from 'node:crypto';
import { OrderStatus, type Event } from '@ticketing/common/contracts';
import type { Listener } from '@ticketing/common/events';
import { OutboxRelay } from '@ticketing/common/outbox';
import type { DeadLetterRecord, DeadLetterStore, Transport } from '@ticketing/common/transport';
import { FakeTransport, newId, useMongoose, useWatchedMongoose, type FakeEventMessage } from '@ticketing/testkit';
import { SESSION_KEYS, testSessionCheck } from '@ticketing/testkit/sessions';
import type { Express } from 'express';
import { AppConfig, createApp } from '../app';
import type { Order, Ticket } from '../domain/types';
import { Order as Orders, toOrder } from '../models/order';
import { Ticket as Tickets, toTicket } from '../models/ticket';
import { natsWrapper } from '../nats-wrapper';
import { initCollections, outbox } from '../outbox';

export { eventually, newId } from '@ticketing/testkit';
export { SESSION_KEYS, signin, testSessionCheck, useFakeAuth } from '@ticketing/testkit/sessions';

export const TEST_CONFIG: AppConfig = {
  JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
  AUTH_URL: 'http://auth.invalid',
  COOKIE_SECURE: false,
  EXPIRATION_WINDOW_SECONDS: 900,
};

/**
 * A fresh database for this test file, with the service's collections and indexes (the unique index
 * on active orders included), emptied before each test; also forgets the fake broker's publishes.
 */
export function useOrdersDatabase(): void {
  useMongoose();
  beforeAll(() => initCollections());
  beforeEach(() => jest.clearAllMocks());
}

/**
 * Like `useOrdersDatabase`, on a connection whose driver reports every command. `commands` lists
 * `name collection` of each command sent in the test, e.g. `update tickets`, `commitTransaction 1`.
 */
export function useWatchedOrdersDatabase(): { commands: string[] } {
  const watched = useWatchedMongoose(initCollections);
  beforeEach(() => {
    jest.clearAllMocks();
  });
  return watched;
}

/** The orders app with test settings (plain-HTTP cookies, a fixed key). */
export function testApp(config: Partial<AppConfig> = {}): Express {
  return createApp({ ...TEST_CONFIG, ...config }, { sessionCheck: testSessionCheck });
}

/** A replica ticket as ticket:created would have made it. */
export async function buildTicket(attrs: Partial<Ticket> = {}): Promise<Ticket> {
  const id = attrs.id ?? newId();
  await Tickets.insertReplicaIfAbsent({
    id,
    title: attrs.title ?? `concert ${randomUUID().slice(0, 8)}`,
    price: attrs.price ?? 20,
    version: attrs.version ?? 0,
  });
  const ticket = await Tickets.findById(id);
  if (!ticket) throw new Error('the ticket was not stored');
  return toTicket(ticket);
}

/** An order stored directly (no event), e.g. to set up a reserved ticket; a fresh replica ticket unless given. */
export async function buildOrder(
  attrs: { ticket?: Ticket; userId?: string; status?: OrderStatus; expiresAt?: Date; reservation?: number } = {},
): Promise<Order> {
  const ticket = attrs.ticket ?? (await buildTicket());
  // Numbered on the replica as a placement numbers it, unless the test gives the number.
  const numbered = attrs.reservation === undefined ? await Tickets.numberNextOrder(ticket.id) : null;
  const order = Orders.build({
    ticket,
    userId: attrs.userId ?? newId(),
    status: attrs.status ?? OrderStatus.Created,
    expiresAt: attrs.expiresAt ?? new Date(Date.now() + 15 * 60_000),
    reservation: attrs.reservation ?? numbered?.reservations ?? 1,
  });
  await order.save();
  return toOrder(order);
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
export async function relayOutbox(): Promise<void> {
  await new OutboxRelay(outbox, natsWrapper.client).drain();
}

/**
 * A listener subscribed on a transport of its own that records dead letters, so a test sees what the
 * base class does with `onMessage`'s outcome: `deliver(data, deliveryCount)` resolves with the message
 * once handled (`settlement`: ack, nak or term).
 */
export async function listenerHarness<L extends Listener<Event>>(
  make: (client: Transport) => L,
): Promise<{
  deliver(data: Parameters<L['onMessage']>[0], deliveryCount?: number): Promise<FakeEventMessage>;
  deadLetters: DeadLetterRecord[];
  close(): Promise<void>;
}> {
  const transport = new FakeTransport();
  const deadLetters: DeadLetterRecord[] = [];
  const store: DeadLetterStore = {
    record: async (entry) => (deadLetters.push(entry), true),
    list: async () => [],
    replay: async () => ({ duplicate: false, stream: 'FAKE', seq: 0 }),
  };
  // The fake keeps no dead letters; this one does, as the JetStream transport would.
  (transport as { deadLetters: DeadLetterStore | undefined }).deadLetters = store;
  const listener = make(transport);
  await listener.listen();
  let sequence = 0;
  return {
    deadLetters,
    deliver: async (data, deliveryCount = 1) => {
      sequence += 1;
      const [msg] = await transport.deliver(listener.subject, data, { deliveryCount, sequence });
      if (!msg) throw new Error(`no listener on ${listener.subject}`);
      return msg;
    },
    close: () => listener.close(),
  };
}
