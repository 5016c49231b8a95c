import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { createLogger, type Logger } from '@ticketing/common/core';
import { OutboxRelay } from '@ticketing/common/outbox';
import { LOCAL_STRIPE_SECRET_KEY, startLocalStripe, type LocalStripe } from '@ticketing/local-stack';
import { fakeNatsWrapper, newId, useWatchedMongoose, type PublishedEvent } from '@ticketing/testkit';
import { SESSION_KEYS, testSessionCheck } from '@ticketing/testkit/sessions';
import type { Express } from 'express';
import Stripe from 'stripe';
import { AppConfig, createApp } from '../app';
import { buildOrder as buildOrderRow, Order, OrderModel, toOrder } from '../models/order';
import { PaymentModel, toPayment, type Payment } from '../models/payment';
import { inbox, outbox } from '../outbox';
import { createStripeClient, stripeProvider, type PaymentProvider } from '../stripe-provider';

export { newId } from '@ticketing/testkit';
export { SESSION_KEYS, signin, testSessionCheck, useFakeAuth } from '@ticketing/testkit/sessions';

export function testConfig(local: Pick<LocalStripe, 'url'>, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
    AUTH_URL: 'http://auth.invalid',
    COOKIE_SECURE: false,
    STRIPE_SECRET_KEY: LOCAL_STRIPE_SECRET_KEY,
    STRIPE_API_URL: local.url,
    PAYMENTS_CURRENCY: 'usd',
    ...overrides,
  };
}

let current: LocalStripe | undefined;

/**
 * The payments app against the local Stripe-compatible server (through the real SDK over HTTP); by
 * default the one `useLocalStripe()` started for this file.
 */
export function testApp(config?: AppConfig): Express {
  if (!config && !current) throw new Error('testApp() without a config needs useLocalStripe() first');
  return createApp(config ?? testConfig(current as LocalStripe), { logger: silentLogger(), sessionCheck: testSessionCheck });
}

export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}

/** The SDK and the provider pointed at the local server. */
export function sdkFor(local: LocalStripe): Stripe {
  return createStripeClient({ STRIPE_SECRET_KEY: local.secretKey, STRIPE_API_URL: local.url });
}

export function providerFor(local: LocalStripe): PaymentProvider {
  return stripeProvider(sdkFor(local));
}

/**
 * Instead of `useMongoose()`: a fresh database on a connection whose driver reports every command.
 * `commands` lists `name collection` of each command sent in the test.
 */
export function useWatchedDatabase(): { commands: string[] } {
  return useWatchedMongoose(() => Promise.all([outbox.init(), inbox.init(), OrderModel.init(), PaymentModel.init()]));
}

/**
 * One local Stripe server for the test file, reset before each test (objects, keys, faults, latency).
 * Also creates the outbox and inbox collections and clears the fake broker. Call after `useMongoose()`.
 */
export function useLocalStripe(): { readonly server: LocalStripe } {
  const holder: { server?: LocalStripe } = {};
  beforeAll(async () => {
    holder.server = await startLocalStripe();
    current = holder.server;
    await Promise.all([outbox.init(), inbox.init()]);
  });
  beforeEach(() => {
    holder.server?.reset();
    holder.server?.setLatency(0);
    fakeNatsWrapper.reset();
  });
  afterAll(async () => {
    await holder.server?.stop();
    current = undefined;
  });
  return {
    get server(): LocalStripe {
      if (!holder.server) throw new Error('the local Stripe server is not started yet');
      return holder.server;
    },
  };
}

/** A replica order, saved (as order:created would have left it). */
export async function buildOrder(attrs: Partial<Order> = {}): Promise<Order> {
  const row = buildOrderRow({ id: newId(), userId: newId(), status: OrderStatus.Created, price: 20, version: 0, ...attrs });
  await row.save();
  return toOrder(row.toObject());
}

export async function reloadOrder(id: string): Promise<Order | null> {
  const fields = await OrderModel.findById(id).lean();
  return fields ? toOrder(fields) : null;
}

export async function paymentsOf(orderId: string): Promise<Payment[]> {
  return (await PaymentModel.find({ orderId }).lean()).map(toPayment);
}

/** Relays every outbox row to the fake broker (`jest.mock('../nats-wrapper')`), as the service's relay would. */
export async function relayOutbox(): Promise<void> {
  await new OutboxRelay(outbox, fakeNatsWrapper.client).drain();
}

/** The outbox rows (optionally of one subject) as events, oldest first. */
export async function outboxEvents(subject?: Subjects): Promise<PublishedEvent[]> {
  const rows = await outbox.model
    .find(subject ? { subject } : {})
    .sort({ _id: 1 })
    .lean();
  return rows.map((row) => ({ subject: row.subject, data: row.data, msgId: row.msgId }));
}
