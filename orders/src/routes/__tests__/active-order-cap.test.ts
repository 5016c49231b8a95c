import { OrderStatus } from '@ticketing/common/contracts';
import request from 'supertest';
import { Order } from '../../models/order';
import { buildOrder, buildTicket, outboxEvents, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();
const TOO_MANY = { errors: [{ message: 'Too many active orders' }] };

async function placeOrder(cookie: string, ticketId?: string) {
  const id = ticketId ?? (await buildTicket()).id;
  return request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId: id });
}

describe('the active-order cap (MAX_ACTIVE_ORDERS_PER_USER, default 5)', () => {
  it('when a buyer places a 6th order while holding 5 unpaid ones, then 400 Too many active orders and nothing is written', async () => {
    const { id: userId, cookie } = signin();
    for (let i = 0; i < 5; i += 1) expect((await placeOrder(cookie)).status).toBe(201);
    const ticket = await buildTicket();

    const response = await placeOrder(cookie, ticket.id);

    expect(response.status).toBe(400);
    expect(response.body).toEqual(TOO_MANY);
    expect(await Order.countDocuments({ userId })).toBe(5);
    expect(await Order.exists({ 'ticket.id': ticket.id })).toBeNull();
    expect(await outboxEvents()).toHaveLength(5);
  });

  it('when another buyer orders while the first is at the cap, then the other is not limited', async () => {
    const first = signin();
    for (let i = 0; i < 5; i += 1) await buildOrder({ userId: first.id });
    expect((await placeOrder(first.cookie)).status).toBe(400);
    expect((await placeOrder(signin().cookie)).status).toBe(201);
  });

  it.each([
    ['cancelled', { status: OrderStatus.Cancelled }],
    ['complete (paid)', { status: OrderStatus.Complete }],
    ['expired but not swept yet', { status: OrderStatus.Created, expiresAt: new Date(Date.now() - 1000) }],
  ])('when the buyer holds 4 unpaid orders and any number %s, then a 5th is accepted and a 6th refused', async (_label, attrs) => {
    const { id: userId, cookie } = signin();
    for (let i = 0; i < 4; i += 1) await buildOrder({ userId });
    for (let i = 0; i < 3; i += 1) await buildOrder({ userId, ...attrs });
    expect((await placeOrder(cookie)).status).toBe(201);
    const response = await placeOrder(cookie);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(TOO_MANY);
  });

  it('when one of the unpaid orders is awaiting:payment, then it counts', async () => {
    const { id: userId, cookie } = signin();
    for (let i = 0; i < 4; i += 1) await buildOrder({ userId });
    await buildOrder({ userId, status: OrderStatus.AwaitingPayment });
    expect((await placeOrder(cookie)).body).toEqual(TOO_MANY);
  });

  it('when the buyer at the cap cancels an order, then the next one is accepted', async () => {
    const { cookie } = signin();
    const orders: string[] = [];
    for (let i = 0; i < 5; i += 1) orders.push(((await placeOrder(cookie)).body as { id: string }).id);
    expect((await placeOrder(cookie)).status).toBe(400);

    await request(app).delete(`/api/orders/${orders[0]}`).set('Cookie', cookie).expect(204);

    expect((await placeOrder(cookie)).status).toBe(201);
  });

  it('when the cap is configured to 2, then a 3rd order is refused', async () => {
    const limited = testApp({ MAX_ACTIVE_ORDERS_PER_USER: 2 });
    const { cookie } = signin();
    const post = async () =>
      request(limited)
        .post('/api/orders')
        .set('Cookie', cookie)
        .send({ ticketId: (await buildTicket()).id });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    expect((await post()).body).toEqual(TOO_MANY);
  });

  it('when one buyer sends 10 orders for 10 free tickets at once, then exactly 5 succeed and the rest are 400 Too many active orders', async () => {
    const { id: userId, cookie } = signin();
    const tickets = await Promise.all(Array.from({ length: 10 }, () => buildTicket()));

    const responses = await Promise.all(tickets.map((ticket) => placeOrder(cookie, ticket.id)));

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(5).fill(400)]);
    for (const refused of responses.filter((response) => response.status === 400)) expect(refused.body).toEqual(TOO_MANY);
    expect(await Order.countDocuments({ userId })).toBe(5);
    expect(await outboxEvents()).toHaveLength(5);
  });

  it('when a returning buyer (the gate lists their open orders) sends 10 orders at once, then exactly enough succeed to reach the cap', async () => {
    const { id: userId, cookie } = signin();
    expect((await placeOrder(cookie)).status).toBe(201);
    const tickets = await Promise.all(Array.from({ length: 10 }, () => buildTicket()));

    const responses = await Promise.all(tickets.map((ticket) => placeOrder(cookie, ticket.id)));

    expect(responses.filter((response) => response.status === 201)).toHaveLength(4);
    expect(responses.filter((response) => response.status === 400)).toHaveLength(6);
    expect(await Order.countDocuments({ userId })).toBe(5);
  });

  it('when a new buyer (no gate document yet) sends 10 orders at once with a cap of 3, then exactly 3 succeed', async () => {
    const limited = testApp({ MAX_ACTIVE_ORDERS_PER_USER: 3 });
    const { id: userId, cookie } = signin();
    const tickets = await Promise.all(Array.from({ length: 10 }, () => buildTicket()));

    const responses = await Promise.all(
      tickets.map((ticket) => request(limited).post('/api/orders').set('Cookie', cookie).send({ ticketId: ticket.id })),
    );

    expect(responses.filter((response) => response.status === 201)).toHaveLength(3);
    expect(responses.filter((response) => response.status === 400)).toHaveLength(7);
    expect(await Order.countDocuments({ userId })).toBe(3);
  });
});
