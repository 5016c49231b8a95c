import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus, Subjects } from '@ticketing/common/contracts';
import { eventually, fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { OrderModel } from '../../../models/order';
import request from 'supertest';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import {
  buildOrder,
  newId,
  outboxEvents,
  paymentsOf,
  providerFor,
  reloadOrder,
  signin,
  testApp,
  useLocalStripe,
} from '../../../test/helpers';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';

jest.mock('../../../nats-wrapper');

useMongoose();
const stripe = useLocalStripe();

function createdData(overrides: Partial<OrderCreatedEvent['data']> = {}): OrderCreatedEvent['data'] {
  return {
    id: newId(),
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    ticket: { id: newId(), price: 42.5, reservation: 1 },
    ...overrides,
  };
}

const cancelledData = (id: string, version = 1): OrderCancelledEvent['data'] => ({ id, version, ticket: { id: newId(), reservation: 1 } });
const createdListener = () => new OrderCreatedListener(natsWrapper.client);
const cancelledListener = () => new OrderCancelledListener(natsWrapper.client, providerFor(stripe.server));

describe('OrderCreatedListener', () => {
  it('when order:created arrives, then the replica holds the order at version 0 with its snapshot price, and it is applied', async () => {
    const data = createdData();
    await expect(createdListener().onMessage(data)).resolves.toBe('applied');

    expect(await reloadOrder(data.id)).toEqual({
      id: data.id,
      userId: data.userId,
      status: OrderStatus.Created,
      price: 42.5,
      version: 0,
      paymentAttempts: 0,
    });
  });

  it('when the same order:created arrives again, then it is a duplicate and the replica is unchanged', async () => {
    const data = createdData();
    await createdListener().onMessage(data);
    await expect(createdListener().onMessage(data)).resolves.toBe('duplicate');
    await expect(createdListener().onMessage({ ...data, ticket: { ...data.ticket, price: 1 } })).resolves.toBe('duplicate');
    expect((await reloadOrder(data.id))?.price).toBe(42.5);
  });

  it('when delivered through the base class, then applied and duplicate are both acked', async () => {
    const listener = createdListener();
    await listener.listen();
    const data = createdData();
    const [first] = await fakeNatsWrapper.client.deliver(Subjects.OrderCreated, data);
    const [second] = await fakeNatsWrapper.client.deliver(Subjects.OrderCreated, data, { deliveryCount: 2 });
    await listener.close();
    expect([first.settlement, second.settlement]).toEqual(['ack', 'ack']);
  });
});

describe('OrderCancelledListener', () => {
  it('when version is local + 1, then the replica is cancelled at that version (applied)', async () => {
    const order = await buildOrder();
    await expect(cancelledListener().onMessage(cancelledData(order.id))).resolves.toBe('applied');
    expect(await reloadOrder(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });

  it('when it is redelivered or older, then duplicate and nothing changes', async () => {
    const order = await buildOrder({ version: 2, status: OrderStatus.Cancelled });
    await expect(cancelledListener().onMessage(cancelledData(order.id, 2))).resolves.toBe('duplicate');
    await expect(cancelledListener().onMessage(cancelledData(order.id, 1))).resolves.toBe('duplicate');
    expect(await reloadOrder(order.id)).toMatchObject({ version: 2 });
  });

  it('when the version skips ahead, then early, nothing changes and no inbox record is kept, so the redelivery applies', async () => {
    const order = await buildOrder();
    await expect(cancelledListener().onMessage(cancelledData(order.id, 2))).resolves.toBe('early');
    expect(await reloadOrder(order.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });
    expect(await inbox.model.countDocuments()).toBe(0);

    await OrderModel.updateOne({ _id: order.id }, { $set: { version: 1 } });
    await expect(cancelledListener().onMessage(cancelledData(order.id, 2))).resolves.toBe('applied');
  });

  it('when the order is unknown, then unknown and nothing is recorded', async () => {
    await expect(cancelledListener().onMessage(cancelledData(newId()))).resolves.toBe('unknown');
    expect(await inbox.model.countDocuments()).toBe(0);
  });

  it('when delivered through the base class, then early and unknown are naked (not acked)', async () => {
    const listener = cancelledListener();
    await listener.listen();
    const order = await buildOrder();
    const [early] = await fakeNatsWrapper.client.deliver(Subjects.OrderCancelled, cancelledData(order.id, 3));
    const [unknown] = await fakeNatsWrapper.client.deliver(Subjects.OrderCancelled, cancelledData(newId()));
    await listener.close();
    expect([early.settlement, unknown.settlement]).toEqual(['nak', 'nak']);
  });

  it('when order:cancelled arrives after a succeeded payment, then the charge is refunded at the provider and the payment is refunded', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id, price: 10 });
    const paid = await request(testApp())
      .post('/api/payments')
      .set('Cookie', user.cookie)
      .send({ orderId: order.id, token: 'tok_visa' })
      .expect(201);

    await expect(cancelledListener().onMessage(cancelledData(order.id))).resolves.toBe('applied');

    expect(stripe.server.refunds()).toEqual([
      expect.objectContaining({ payment_intent: paid.body.stripeId, amount: 1000, status: 'succeeded' }),
    ]);
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'refunded', refundDue: false })]);
    const listed = await request(testApp()).get(`/api/payments?orderId=${order.id}`).set('Cookie', user.cookie).expect(200);
    expect(listed.body).toEqual([{ ...paid.body, status: 'refunded' }]);
  });

  it('when the refund fails, then the listener throws (the event comes back) and the redelivery, a duplicate, refunds once', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id });
    await request(testApp()).post('/api/payments').set('Cookie', user.cookie).send({ orderId: order.id, token: 'tok_visa' }).expect(201);
    stripe.server.failNext(3, { status: 500, path: '/v1/refunds' });

    await expect(cancelledListener().onMessage(cancelledData(order.id))).rejects.toThrow();
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'succeeded', refundDue: true })]);

    await expect(cancelledListener().onMessage(cancelledData(order.id))).resolves.toBe('duplicate');
    await expect(cancelledListener().onMessage(cancelledData(order.id))).resolves.toBe('duplicate');
    expect(stripe.server.refunds()).toHaveLength(1);
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'refunded' })]);
  });

  it('when the order is cancelled while its charge is in flight, then the charge is refunded, no payment:created is written, and the buyer gets 400', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id });
    stripe.server.setLatency(300);
    const paying = request(testApp()).post('/api/payments').set('Cookie', user.cookie).send({ orderId: order.id, token: 'tok_visa' });
    const pending = paying.then((r) => r);
    await eventually(async () => (await paymentsOf(order.id)).length === 1, 'the claim exists');

    await expect(cancelledListener().onMessage(cancelledData(order.id))).resolves.toBe('applied');
    const response = await pending;

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Cannot pay for a cancelled order' }] });
    expect(stripe.server.paymentIntents().map((i) => i.status)).toEqual(['succeeded']);
    expect(stripe.server.refunds()).toHaveLength(1);
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'refunded' })]);
    expect(await outboxEvents(Subjects.PaymentCreated)).toEqual([]);
  });
});
