import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper } from '@ticketing/testkit';
import request from 'supertest';
import { isTicketReserved } from '../../domain/orders';
import { Order } from '../../models/order';
import { buildOrder, buildTicket, relayOutbox, newId, outboxEvents, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

describe('POST /api/orders', () => {
  it('when not signed in, then 401', async () => {
    await request(app).post('/api/orders').send({ ticketId: newId() }).expect(401);
  });

  it('when the ticket does not exist, then 404', async () => {
    const response = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: newId() }).expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
    expect(await Order.countDocuments()).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['not a string', 42],
    ['not an ObjectId', 'not-an-id'],
    ['twelve characters (mongoose would accept it)', 'abcdefghijkl'],
    ['a query operator', { $gt: '' }],
  ])('when ticketId is %s, then 400 naming ticketId', async (_label, ticketId) => {
    await buildTicket();
    const response = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'TicketId must be a valid id', field: 'ticketId' }] });
    expect(await Order.countDocuments()).toBe(0);
  });

  it('when the ticket is already reserved, then 400 Ticket is already reserved', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket, status: OrderStatus.Created });
    const response = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    expect(await Order.countDocuments()).toBe(1);
  });

  it.each([OrderStatus.AwaitingPayment, OrderStatus.Complete])(
    'when the ticket has an order %s, then it is reserved (400)',
    async (status) => {
      const ticket = await buildTicket();
      await buildOrder({ ticket, status });
      await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(400);
    },
  );

  it('when the ticket only has cancelled orders, then it can be ordered again', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket, status: OrderStatus.Cancelled });
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);
  });

  it('when the ticket is free, then 201 reserves it: status created, expiring after the window, ticket embedded', async () => {
    const ticket = await buildTicket({ title: 'concert', price: 25 });
    const user = signin();
    const before = Date.now();
    const response = await request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id }).expect(201);
    const body = response.body as { id: string; expiresAt: string };

    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      userId: user.id,
      status: 'created',
      expiresAt: expect.any(String),
      version: 0,
      ticket: { id: ticket.id, title: 'concert', price: 25, version: 0 },
    });
    const expiresAt = new Date(body.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);

    const stored = await Order.findById(body.id);
    expect(stored).toMatchObject({ userId: user.id, status: OrderStatus.Created, version: 0 });
    expect(await isTicketReserved(ticket.id)).toBe(true);
  });

  it('when EXPIRATION_WINDOW_SECONDS is set, then expiresAt follows it', async () => {
    const ticket = await buildTicket();
    const before = Date.now();
    const response = await request(testApp({ EXPIRATION_WINDOW_SECONDS: 60 }))
      .post('/api/orders')
      .set('Cookie', signin().cookie)
      .send({ ticketId: ticket.id })
      .expect(201);
    const expiresAt = new Date((response.body as { expiresAt: string }).expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThan(before + 120_000);
  });

  it('when an order is created, then order:created is written to the outbox and published by the relay', async () => {
    const ticket = await buildTicket({ price: 30 });
    const user = signin();
    const response = await request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id }).expect(201);
    const order = response.body as { id: string; expiresAt: string };
    const expected = {
      id: order.id,
      version: 0,
      status: 'created',
      userId: user.id,
      expiresAt: order.expiresAt,
      ticket: { id: ticket.id, price: 30, reservation: 1 },
    };

    expect(await outboxEvents()).toEqual([{ subject: Subjects.OrderCreated, data: expected, msgId: `order:created:${order.id}:0` }]);
    expect(fakeNatsWrapper.published()).toEqual([]);

    await relayOutbox();
    expect(fakeNatsWrapper.client.publish).toHaveBeenCalledTimes(1);
    expect(fakeNatsWrapper.published(Subjects.OrderCreated)).toEqual([
      { subject: Subjects.OrderCreated, data: expected, msgId: `order:created:${order.id}:0` },
    ]);
  });

  it("when a ticket is ordered again after its order was cancelled, then the events number it as the ticket's second order (a refused placement counts nothing)", async () => {
    const ticket = await buildTicket();
    const first = signin();
    const placed = (await request(app).post('/api/orders').set('Cookie', first.cookie).send({ ticketId: ticket.id }).expect(201)).body as {
      id: string;
    };
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(400);
    await request(app).delete(`/api/orders/${placed.id}`).set('Cookie', first.cookie).expect(204);

    const again = (await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201))
      .body as {
      id: string;
    };

    const numbers = (await outboxEvents()).map((event) => [
      event.subject,
      event.data.id,
      (event.data.ticket as { reservation: number }).reservation,
    ]);
    expect(numbers).toEqual([
      [Subjects.OrderCreated, placed.id, 1],
      [Subjects.OrderCancelled, placed.id, 1],
      [Subjects.OrderCreated, again.id, 2],
    ]);
  });

  it('when the request fails, then no event is written', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket });
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(400);
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: newId() }).expect(404);
    expect(await outboxEvents()).toEqual([]);
  });

  it('when fifty users order one ticket at once, then exactly one gets 201 and the others 400 Ticket is already reserved', async () => {
    const ticket = await buildTicket();
    const users = Array.from({ length: 50 }, () => signin());

    const responses = await Promise.all(
      users.map((user) => request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id })),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(49);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    }
    const winner = responses.find((response) => response.status === 201)?.body as { id: string };
    const active = await Order.find({ 'ticket.id': ticket.id, status: { $ne: OrderStatus.Cancelled } });
    expect(active.map((order) => order.id)).toEqual([winner.id]);
    expect(await Order.countDocuments()).toBe(1);
    expect((await outboxEvents(Subjects.OrderCreated)).map((event) => event.data.id)).toEqual([winner.id]);

    await relayOutbox();
    expect(fakeNatsWrapper.published(Subjects.OrderCreated).map((event) => event.data.id)).toEqual([winner.id]);
  });
});
