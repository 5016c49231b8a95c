import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper, eventually } from '@ticketing/testkit';
import request from 'supertest';
import { Order } from '../../models/order';
import { buildOrder, buildTicket, relayOutbox, outboxEvents, signin, testApp, useOrdersDatabase } from '../../test/helpers';
import { dueOrderIds, expireOrder } from '../../domain/orders';
import { ExpirationSweeper } from '../expiration-sweeper';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const past = () => new Date(Date.now() - 1_000);

describe('ExpirationSweeper', () => {
  let sweepers: ExpirationSweeper[] = [];
  const sweeper = (options: ConstructorParameters<typeof ExpirationSweeper>[0] = {}) => {
    const created = new ExpirationSweeper({ logger: silent, ...options });
    sweepers.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(sweepers.map((s) => s.stop()));
    sweepers = [];
  });

  it('when an order placed through the API has passed expiresAt, then a sweep cancels it (version + 1) and writes order:cancelled', async () => {
    const ticket = await buildTicket();
    const user = signin();
    const created = await request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id }).expect(201);
    const { id, expiresAt } = created.body as { id: string; expiresAt: string };

    expect(await sweeper().sweepOnce(new Date(new Date(expiresAt).getTime() - 1))).toBe(0);
    expect(await sweeper().sweepOnce(new Date(expiresAt))).toBe(1);

    const shown = await request(app).get(`/api/orders/${id}`).set('Cookie', user.cookie).expect(200);
    expect(shown.body).toMatchObject({ status: 'cancelled', version: 1 });
    expect((await outboxEvents(Subjects.OrderCancelled)).map((event) => event.data)).toEqual([
      { id, version: 1, ticket: { id: ticket.id, reservation: 1 } },
    ]);
    await relayOutbox();
    expect(fakeNatsWrapper.published(Subjects.OrderCancelled).map((event) => event.msgId)).toEqual([`order:cancelled:${id}:1`]);
  });

  it('when an order expires, then its ticket can be ordered again', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket, expiresAt: past() });
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(400);

    await sweeper().sweepOnce();

    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);
  });

  it.each([OrderStatus.Complete, OrderStatus.AwaitingPayment, OrderStatus.Cancelled])(
    'when an order past expiresAt is %s, then it is left alone',
    async (status) => {
      const order = await buildOrder({ ticket: await buildTicket(), status, expiresAt: past() });

      expect(await sweeper().sweepOnce()).toBe(0);

      expect(await Order.findById(order.id)).toMatchObject({ status, version: 0 });
      expect(await outboxEvents()).toEqual([]);
    },
  );

  it('when the order was paid after a sweep found it, then cancelling it re-checks and does nothing', async () => {
    const order = await buildOrder({ ticket: await buildTicket(), expiresAt: past() });
    expect(await dueOrderIds(new Date(), 10)).toEqual([order.id]);
    await Order.updateOne({ _id: order.id }, { $set: { status: OrderStatus.Complete }, $inc: { version: 1 } });

    expect(await expireOrder(order.id)).toBe(false);

    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await outboxEvents()).toEqual([]);
  });

  it('when the user cancels while the sweeper expires the same order, then it is cancelled once with one order:cancelled', async () => {
    const ticket = await buildTicket();
    const user = signin();
    const created = await request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id }).expect(201);
    const { id, expiresAt } = created.body as { id: string; expiresAt: string };

    const [response, swept] = await Promise.all([
      request(app).delete(`/api/orders/${id}`).set('Cookie', user.cookie),
      sweeper().sweepOnce(new Date(expiresAt)),
    ]);

    // Either the user's cancel won (204, the sweep cancelled nothing) or the sweep did (then 400).
    expect([response.status, swept]).toEqual(response.status === 204 ? [204, 0] : [400, 1]);
    expect(await Order.findById(id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await outboxEvents(Subjects.OrderCancelled)).toHaveLength(1);
  });

  it('when an order has not expired yet, then it is left alone', async () => {
    const order = await buildOrder({ ticket: await buildTicket(), expiresAt: new Date(Date.now() + 60_000) });
    expect(await sweeper().sweepOnce()).toBe(0);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });
  });

  it('when two sweepers run at once, then each expired order is cancelled once with one order:cancelled', async () => {
    const orders = await Promise.all(Array.from({ length: 5 }, async () => buildOrder({ ticket: await buildTicket(), expiresAt: past() })));

    const [a, b] = await Promise.all([sweeper().sweepOnce(), sweeper().sweepOnce()]);

    expect(a + b).toBe(5);
    for (const order of orders) expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    const cancelled = await outboxEvents(Subjects.OrderCancelled);
    expect(cancelled.map((event) => event.data.id).sort()).toEqual(orders.map((order) => order.id).sort());
  });

  it('when more orders expired than one batch holds, then one sweep cancels them all', async () => {
    await Promise.all(Array.from({ length: 7 }, async () => buildOrder({ ticket: await buildTicket(), expiresAt: past() })));
    expect(await sweeper({ batchSize: 3 }).sweepOnce()).toBe(7);
    expect(await Order.countDocuments({ status: OrderStatus.Created })).toBe(0);
  });

  it('when started, then it keeps sweeping on its own: an order that expires later is cancelled soon after', async () => {
    const started = sweeper({ intervalMs: 50 });
    started.start();
    const order = await buildOrder({ ticket: await buildTicket(), expiresAt: new Date(Date.now() + 300) });

    await eventually(async () => (await Order.findById(order.id))?.status === OrderStatus.Cancelled, 'the order to expire');

    expect(started.cancelledCount).toBe(1);
    expect(await outboxEvents(Subjects.OrderCancelled)).toHaveLength(1);
  });

  it('when stopped, then it cancels nothing more', async () => {
    const started = sweeper({ intervalMs: 50 });
    started.start();
    await started.stop();
    const order = await buildOrder({ ticket: await buildTicket(), expiresAt: past() });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Created });
  });
});
