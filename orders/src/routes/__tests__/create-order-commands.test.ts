import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { UserOrderGate } from '../../models/user-order-gate';
import { buildTicket, signin, testApp, useWatchedOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

const { commands } = useWatchedOrdersDatabase();
const app = testApp();

/** POST /api/orders on `on` as `cookie`'s user, for a fresh ticket. */
async function orderFreshTicket(on: Express, cookie: string) {
  return request(on)
    .post('/api/orders')
    .set('Cookie', cookie)
    .send({ ticketId: (await buildTicket()).id });
}

describe('POST /api/orders, database commands', () => {
  it('when a returning buyer orders a free ticket, then one transaction: gate, replica count, order, outbox row, commit', async () => {
    const buyer = signin();
    await request(app)
      .post('/api/orders')
      .set('Cookie', buyer.cookie)
      .send({ ticketId: (await buildTicket()).id })
      .expect(201);
    const ticket = await buildTicket();
    commands.length = 0;

    await request(app).post('/api/orders').set('Cookie', buyer.cookie).send({ ticketId: ticket.id }).expect(201);

    expect(commands).toEqual([
      'findAndModify user_order_gates',
      'findAndModify tickets',
      'insert orders',
      'insert outbox',
      'commitTransaction 1',
    ]);
  });

  it("when a buyer orders for the first time, then the gate is created once, the placement runs again and counts the buyer's orders", async () => {
    const ticket = await buildTicket();
    commands.length = 0;
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);
    expect(commands).toEqual([
      'findAndModify user_order_gates',
      'abortTransaction 1',
      'update user_order_gates',
      'findAndModify user_order_gates',
      'findAndModify tickets',
      'find orders',
      'update user_order_gates',
      'insert orders',
      'insert outbox',
      'commitTransaction 1',
    ]);
  });

  it("when the gate's list of open expiries reaches the cap, then the placement counts the orders and writes the exact list back", async () => {
    const capped = testApp({ MAX_ACTIVE_ORDERS_PER_USER: 2 });
    const buyer = signin();
    const place = () => orderFreshTicket(capped, buyer.cookie);
    const first = (await place().then((response) => response.body)) as { id: string };
    await place();
    // Two open entries: the list alone cannot tell that the first order is cancelled.
    await request(capped).delete(`/api/orders/${first.id}`).set('Cookie', buyer.cookie).expect(204);
    commands.length = 0;

    expect((await place()).status).toBe(201);
    expect(commands.filter((c) => c.endsWith('orders') || c.endsWith('user_order_gates'))).toEqual([
      'findAndModify user_order_gates',
      'find orders',
      'update user_order_gates',
      'insert orders',
    ]);
    const gate = await UserOrderGate.findById(buyer.id).lean();
    expect(gate?.openExpiries).toHaveLength(2);
  });

  it('when the orders on the gate list have expired, then they no longer count and the buyer orders again without a recount', async () => {
    const shortLived = testApp({ MAX_ACTIVE_ORDERS_PER_USER: 2, EXPIRATION_WINDOW_SECONDS: 1 });
    const buyer = signin();
    const post = () => orderFreshTicket(shortLived, buyer.cookie);
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    expect((await post()).body).toEqual({ errors: [{ message: 'Too many active orders' }] });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    commands.length = 0;

    expect((await post()).status).toBe(201);
    expect(commands).not.toContain('find orders');
    const gate = await UserOrderGate.findById(buyer.id).lean();
    expect(gate?.openExpiries).toHaveLength(1);
  });

  it('when the ticket is reserved, then 400 from the unique index and the transaction is aborted, nothing written', async () => {
    const ticket = await buildTicket();
    const first = signin();
    const second = signin();
    await request(app).post('/api/orders').set('Cookie', first.cookie).send({ ticketId: ticket.id }).expect(201);
    await request(app)
      .post('/api/orders')
      .set('Cookie', second.cookie)
      .send({ ticketId: (await buildTicket()).id })
      .expect(201);
    commands.length = 0;

    const response = await request(app).post('/api/orders').set('Cookie', second.cookie).send({ ticketId: ticket.id }).expect(400);

    expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    expect(commands).toContain('abortTransaction 1');
    expect(commands).not.toContain('commitTransaction 1');
  });

  it('when a placement is retried after a write conflict and the ticket was reserved meanwhile, then it answers 400 from a read, without writing the replica', async () => {
    const ticket = await buildTicket();
    const winner = signin();
    const loser = signin();
    await request(app).post('/api/orders').set('Cookie', winner.cookie).send({ ticketId: ticket.id }).expect(201);
    await request(app)
      .post('/api/orders')
      .set('Cookie', loser.cookie)
      .send({ ticketId: (await buildTicket()).id })
      .expect(201);
    // The loser's first statement conflicts, as with a concurrent placement that wrote first.
    const admin = mongoose.connection.db!.admin();
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['findAndModify'], errorCode: 112, errorLabels: ['TransientTransactionError'] },
    });
    commands.length = 0;

    let response: request.Response;
    try {
      response = await request(app).post('/api/orders').set('Cookie', loser.cookie).send({ ticketId: ticket.id });
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    expect(commands.filter((c) => !c.startsWith('configureFailPoint'))).toEqual([
      'findAndModify user_order_gates',
      'abortTransaction 1',
      'find orders',
      'abortTransaction 1',
    ]);
  });
});
