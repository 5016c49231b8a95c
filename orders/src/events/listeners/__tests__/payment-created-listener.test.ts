import { OrderStatus, PaymentCreatedEvent, Subjects } from '@ticketing/common/contracts';
import pino from 'pino';
import request from 'supertest';
import { ExpirationSweeper } from '../../../jobs/expiration-sweeper';
import { Order } from '../../../models/order';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import { buildOrder, listenerHarness, newId, outboxEvents, signin, testApp, useOrdersDatabase } from '../../../test/helpers';
import { PaymentCreatedListener } from '../payment-created-listener';

jest.mock('../../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

function payment(orderId: string, overrides: Partial<PaymentCreatedEvent['data']> = {}): PaymentCreatedEvent['data'] {
  return { id: newId(), version: 0, orderId, stripeId: `pi_${newId()}`, ...overrides };
}

async function setup() {
  const logger = pino({ level: 'silent' });
  const warn = jest.spyOn(logger, 'warn');
  const harness = await listenerHarness((client) => new PaymentCreatedListener(client, { logger }));
  return { ...harness, warn };
}

describe('PaymentCreatedListener', () => {
  it('when payment:created arrives for a created order, then the order is complete at version + 1, acked, with no event', async () => {
    const order = await buildOrder();
    const { deliver } = await setup();

    const msg = await deliver(payment(order.id));

    expect(msg.settlement).toBe('ack');
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    // The contract has no order:completed; payments, who caused it, needs none.
    expect(await outboxEvents()).toEqual([]);
  });

  it('when the order is awaiting payment, then it becomes complete too', async () => {
    const order = await buildOrder({ status: OrderStatus.AwaitingPayment });
    expect(await new PaymentCreatedListener(natsWrapper.client).onMessage(payment(order.id))).toBe('applied');
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
  });

  it('when payment:created is delivered again, then it is a duplicate: acked, and the version does not move again', async () => {
    const order = await buildOrder();
    const { deliver } = await setup();
    const data = payment(order.id);
    await deliver(data);

    expect(await new PaymentCreatedListener(natsWrapper.client).onMessage(data)).toBe('duplicate');
    const redelivery = await deliver(data, 2);

    expect(redelivery.settlement).toBe('ack');
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await inbox.model.countDocuments()).toBe(1);
  });

  it('when the order is unknown, then the outcome is unknown: not acked, nothing recorded; on its last delivery a dead letter', async () => {
    const orderId = newId();
    expect(await new PaymentCreatedListener(natsWrapper.client).onMessage(payment(orderId))).toBe('unknown');
    const { deliver, deadLetters } = await setup();

    const msg = await deliver(payment(orderId));

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.nak).toHaveBeenCalledWith(expect.any(Number));
    expect(await inbox.model.countDocuments()).toBe(0);
    expect(await Order.countDocuments()).toBe(0);

    const last = await deliver(payment(orderId), 10);
    expect(last.settlement).toBe('term');
    expect(deadLetters).toEqual([expect.objectContaining({ subject: Subjects.PaymentCreated, queueGroup: 'orders-service' })]);
  });

  it('when the order was cancelled, then the payment is acked, the order stays cancelled and unchanged, and a warning is logged', async () => {
    const order = await buildOrder({ status: OrderStatus.Cancelled });
    const { deliver, warn } = await setup();

    const msg = await deliver(payment(order.id));

    expect(msg.settlement).toBe('ack');
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 0 });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ orderId: order.id, status: OrderStatus.Cancelled }),
      expect.stringContaining('cancelled order'),
    );
    expect(await outboxEvents()).toEqual([]);
  });

  it('when a second payment arrives for a complete order, then it is acked and changes nothing', async () => {
    const order = await buildOrder();
    const { deliver, warn } = await setup();
    await deliver(payment(order.id));

    const second = await deliver(payment(order.id));

    expect(second.settlement).toBe('ack');
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('a complete order', () => {
  async function completedOrder(expiresAt?: Date) {
    const user = signin();
    const order = await buildOrder({ userId: user.id, expiresAt });
    await new PaymentCreatedListener(natsWrapper.client).onMessage(payment(order.id));
    return { user, order };
  }

  it('when its owner cancels it, then 400 and it stays complete with no order:cancelled', async () => {
    const { user, order } = await completedOrder();
    const response = await request(app).delete(`/api/orders/${order.id}`).set('Cookie', user.cookie).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Cannot cancel a completed order' }] });
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await outboxEvents(Subjects.OrderCancelled)).toEqual([]);
  });

  it('when it is past expiresAt, then the sweeper leaves it complete', async () => {
    const { order } = await completedOrder(new Date(Date.now() - 1_000));
    const sweeper = new ExpirationSweeper({ logger: pino({ level: 'silent' }) });
    expect(await sweeper.sweepOnce()).toBe(0);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await outboxEvents()).toEqual([]);
  });

  it('when someone orders its ticket again, then 400 Ticket is already reserved', async () => {
    const { order } = await completedOrder();
    const response = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: order.ticket.id }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    expect(await Order.countDocuments()).toBe(1);
  });
});
