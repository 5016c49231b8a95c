import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { reconcileOnce } from '../../domain/reconcile';
import { buildPayment } from '../../models/payment';
import {
  buildOrder,
  outboxEvents,
  paymentsOf,
  providerFor,
  sdkFor,
  signin,
  silentLogger,
  testApp,
  useLocalStripe,
} from '../../test/helpers';
import { reconciliationHook } from '../reconciliation-job';

jest.mock('../../nats-wrapper');

useMongoose();
const stripe = useLocalStripe();

/** A claim left pending, as a process that died between Stripe's answer and its commit leaves it. */
async function pendingClaim(attrs: { status?: OrderStatus; claimedAt?: Date } = {}) {
  const order = await buildOrder({ price: 15, status: attrs.status ?? OrderStatus.Created, paymentAttempts: 1 });
  await buildPayment({
    orderId: order.id,
    userId: order.userId,
    attempt: 1,
    amount: 1500,
    currency: 'usd',
    status: 'pending',
    claimedAt: attrs.claimedAt ?? new Date(),
  }).save();
  return order;
}

/** The charge the dead process made: created at the provider with the SDK, with the service's metadata and key. */
async function chargedAtProvider(orderId: string) {
  return sdkFor(stripe.server).paymentIntents.create(
    {
      amount: 1500,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { orderId, attempt: '1' },
    },
    { idempotencyKey: `${orderId}:1` },
  );
}

const options = () => ({ provider: providerFor(stripe.server), logger: silentLogger(), claimGraceMs: 60_000 });

describe('reconciliation', () => {
  it('when a pending claim has a succeeded intent at the provider, then it is recorded once with one payment:created, however often the pass runs', async () => {
    const order = await pendingClaim();
    const intent = await chargedAtProvider(order.id);

    const first = await reconcileOnce(options());
    const second = await reconcileOnce(options());

    expect(first.recorded).toEqual([order.id]);
    expect(second.recorded).toEqual([]);
    const [payment] = await paymentsOf(order.id);
    expect(payment).toMatchObject({ status: 'succeeded', stripeId: intent.id, amount: 1500 });
    expect(await outboxEvents(Subjects.PaymentCreated)).toEqual([
      {
        subject: Subjects.PaymentCreated,
        data: { id: payment.id, version: 0, orderId: order.id, stripeId: intent.id },
        msgId: `payment:created:${payment.id}:0`,
      },
    ]);
    expect(stripe.server.paymentIntents()).toHaveLength(1);
  });

  it('when a pending claim has no intent and is older than the grace period, then it is released and the order can be paid', async () => {
    const order = await pendingClaim({ claimedAt: new Date(Date.now() - 61_000) });

    const report = await reconcileOnce(options());

    expect(report.released).toEqual([order.id]);
    expect(await paymentsOf(order.id)).toEqual([]);
    expect(await outboxEvents()).toEqual([]);
  });

  it('when a pending claim has no intent but is still young, then it is kept (the request may still be in flight)', async () => {
    const order = await pendingClaim();
    const report = await reconcileOnce(options());
    expect(report).toEqual({ recorded: [], released: [], refunded: [] });
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('when the released order is paid again, then the new attempt uses a new idempotency key and succeeds', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id, paymentAttempts: 1 });
    await buildPayment({
      orderId: order.id,
      userId: user.id,
      attempt: 1,
      amount: 2000,
      currency: 'usd',
      status: 'pending',
      claimedAt: new Date(0),
    }).save();
    await reconcileOnce(options());

    await request(testApp()).post('/api/payments').set('Cookie', user.cookie).send({ orderId: order.id, token: 'tok_visa' }).expect(201);
    expect(stripe.server.requests().find((r) => r.method === 'POST')?.idempotencyKey).toBe(`${order.id}:2`);
  });

  it('when the intent succeeded but the order is cancelled, then the charge is refunded and no payment:created is written', async () => {
    const order = await pendingClaim({ status: OrderStatus.Cancelled });
    await chargedAtProvider(order.id);

    const report = await reconcileOnce(options());

    expect(report.refunded).toEqual([order.id]);
    expect(stripe.server.refunds()).toHaveLength(1);
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'refunded' })]);
    expect(await outboxEvents(Subjects.PaymentCreated)).toEqual([]);
  });

  it('when the job starts, then a pass runs at once, and stop waits for it', async () => {
    const order = await pendingClaim();
    await chargedAtProvider(order.id);
    const hook = reconciliationHook({ ...options(), intervalMs: 60_000 });

    await hook.start();
    await hook.stop();

    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  });
});
