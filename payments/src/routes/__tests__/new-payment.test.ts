import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { ALREADY_PAID_MESSAGE, CANCELLED_MESSAGE } from '../../domain/payments';
import type { PaymentJson } from '../../domain/payment-json';
import { buildOrder, newId, outboxEvents, paymentsOf, reloadOrder, signin, testApp, useLocalStripe } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
const stripe = useLocalStripe();

async function ownOrder(attrs: Parameters<typeof buildOrder>[0] = {}) {
  const user = signin();
  const order = await buildOrder({ userId: user.id, ...attrs });
  return { user, order };
}

function post(body: object, cookie?: string) {
  const req = request(testApp()).post('/api/payments');
  if (cookie) req.set('Cookie', cookie);
  return req.send(body);
}

describe('POST /api/payments', () => {
  it('when signed out, then 401 and nothing is charged', async () => {
    const { order } = await ownOrder();
    const response = await post({ orderId: order.id, token: 'tok_visa' });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].message).toEqual(expect.any(String));
    expect(stripe.server.paymentIntents()).toHaveLength(0);
  });

  it.each([
    ['orderId is missing', { token: 'tok_visa' }, 'orderId'],
    ['orderId is not 24 hex digits', { orderId: 'abc', token: 'tok_visa' }, 'orderId'],
    ['orderId is an object', { orderId: { $gt: '' }, token: 'tok_visa' }, 'orderId'],
    ['token is missing', { orderId: newId() }, 'token'],
    ['token is empty', { orderId: newId(), token: '  ' }, 'token'],
    ['token is a number', { orderId: newId(), token: 42 }, 'token'],
  ])('when %s, then 400 naming the field', async (_name, body, field) => {
    const response = await post(body, signin().cookie);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(stripe.server.paymentIntents()).toHaveLength(0);
  });

  it('when the order is unknown, then 404', async () => {
    const response = await post({ orderId: newId(), token: 'tok_visa' }, signin().cookie);
    expect(response.status).toBe(404);
    expect(response.body.errors).toHaveLength(1);
  });

  it('when the order belongs to someone else, then 401 and nothing is charged', async () => {
    const { order } = await ownOrder();
    const response = await post({ orderId: order.id, token: 'tok_visa' }, signin().cookie);
    expect(response.status).toBe(401);
    expect(stripe.server.paymentIntents()).toHaveLength(0);
  });

  it('when the order is cancelled, then 400 "Cannot pay for a cancelled order" and nothing is charged', async () => {
    const { user, order } = await ownOrder({ status: OrderStatus.Cancelled, version: 1 });
    const response = await post({ orderId: order.id, token: 'tok_visa' }, user.cookie);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: CANCELLED_MESSAGE }] });
    expect(stripe.server.paymentIntents()).toHaveLength(0);
  });

  it('when the card is valid, then 201 with the payment, one charge of the snapshot price in cents, and payment:created in the outbox', async () => {
    const { user, order } = await ownOrder({ price: 19.99 });
    const response = await post({ orderId: order.id, token: 'tok_visa' }, user.cookie);

    expect(response.status).toBe(201);
    const payment = response.body as PaymentJson;
    expect(payment).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orderId: order.id,
      stripeId: expect.stringMatching(/^pi_/),
      amount: 1999,
      currency: 'usd',
      status: 'succeeded',
    });
    const intents = stripe.server.paymentIntents();
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({
      id: payment.stripeId,
      amount: 1999,
      currency: 'usd',
      status: 'succeeded',
      metadata: { orderId: order.id, attempt: '1' },
    });
    expect(stripe.server.requests().filter((r) => r.method === 'POST')[0].idempotencyKey).toBe(`${order.id}:1`);
    expect(await outboxEvents(Subjects.PaymentCreated)).toEqual([
      {
        subject: Subjects.PaymentCreated,
        data: { id: payment.id, version: 0, orderId: order.id, stripeId: payment.stripeId },
        msgId: `payment:created:${payment.id}:0`,
      },
    ]);
  });

  it('when paying with pm_card_visa, then 201 too', async () => {
    const { user, order } = await ownOrder({ price: 1.1 });
    const response = await post({ orderId: order.id, token: 'pm_card_visa' }, user.cookie);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ amount: 110, status: 'succeeded' });
  });

  it('when the order is paid already, then 400 and no second charge', async () => {
    const { user, order } = await ownOrder();
    await post({ orderId: order.id, token: 'tok_visa' }, user.cookie).expect(201);

    const again = await post({ orderId: order.id, token: 'tok_visa' }, user.cookie);

    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: [{ message: ALREADY_PAID_MESSAGE }] });
    expect(stripe.server.paymentIntents()).toHaveLength(1);
    expect(await outboxEvents(Subjects.PaymentCreated)).toHaveLength(1);
  });

  it.each(['tok_chargeDeclined', 'pm_card_chargeDeclined'])(
    'when the card (%s) is declined, then 402 with the provider message, no payment, no event, and the replica unchanged',
    async (token) => {
      const { user, order } = await ownOrder();
      const response = await post({ orderId: order.id, token }, user.cookie);

      expect(response.status).toBe(402);
      expect(response.body).toEqual({ errors: [{ message: 'Your card was declined.' }] });
      expect(await paymentsOf(order.id)).toEqual([]);
      expect(await outboxEvents()).toEqual([]);
      const replica = await reloadOrder(order.id);
      expect(replica).toMatchObject({ status: OrderStatus.Created, version: 0, price: order.price, userId: order.userId });
    },
  );

  it('when a declined card is followed by a valid one, then the second attempt succeeds with its own idempotency key', async () => {
    const { user, order } = await ownOrder();
    await post({ orderId: order.id, token: 'tok_chargeDeclined' }, user.cookie).expect(402);

    const response = await post({ orderId: order.id, token: 'tok_visa' }, user.cookie);

    expect(response.status).toBe(201);
    const keys = stripe.server
      .requests()
      .filter((r) => r.method === 'POST')
      .map((r) => r.idempotencyKey);
    expect(keys).toEqual([`${order.id}:1`, `${order.id}:2`]);
    expect(stripe.server.paymentIntents().map((intent) => intent.status)).toEqual(['requires_payment_method', 'succeeded']);
    expect(await outboxEvents(Subjects.PaymentCreated)).toHaveLength(1);
  });

  it('when the token is unknown to the provider, then 400 (not 500) and the order stays payable', async () => {
    const { user, order } = await ownOrder();
    const response = await post({ orderId: order.id, token: 'tok_nonsense' }, user.cookie);
    expect(response.status).toBe(400);
    expect(await paymentsOf(order.id)).toEqual([]);
    await post({ orderId: order.id, token: 'tok_visa' }, user.cookie).expect(201);
  });

  it('when ten requests pay the same order at once, then exactly one 201, the others 400, and exactly one charge', async () => {
    const { user, order } = await ownOrder();
    stripe.server.setLatency(100);
    const app = testApp();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(app).post('/api/payments').set('Cookie', user.cookie).send({ orderId: order.id, token: 'tok_visa' }),
      ),
    );

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    expect(stripe.server.paymentIntents()).toHaveLength(1);
    expect(stripe.server.charges()).toHaveLength(1);
    expect(await paymentsOf(order.id)).toHaveLength(1);
    expect(await outboxEvents(Subjects.PaymentCreated)).toHaveLength(1);
  });

  it('when the provider fails with a server error, then 502, the claim stays pending for reconciliation, and a retry is refused', async () => {
    const { user, order } = await ownOrder();
    stripe.server.failNext(3, { status: 500, path: '/v1/payment_intents' });

    const response = await post({ orderId: order.id, token: 'tok_visa' }, user.cookie);

    expect(response.status).toBe(502);
    expect(await paymentsOf(order.id)).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect((await post({ orderId: order.id, token: 'tok_visa' }, user.cookie)).status).toBe(400);
  });
});
