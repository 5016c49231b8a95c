import request from 'supertest';
import { buildTicket, signin, testApp, useWatchedOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

const { commands } = useWatchedOrdersDatabase();
const app = testApp();

describe('POST /api/orders, database commands', () => {
  it('when a returning buyer orders a free ticket, then one transaction: gate, replica read, active count, order, outbox row, commit', async () => {
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
      'update user_order_gates',
      'find tickets',
      'aggregate orders',
      'insert orders',
      'insert outbox',
      'commitTransaction 1',
    ]);
  });

  it('when a buyer orders for the first time, then the gate is created once and the placement runs again', async () => {
    const ticket = await buildTicket();
    commands.length = 0;
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);
    expect(commands.filter((c) => c === 'update user_order_gates')).toHaveLength(3);
    expect(commands.filter((c) => c === 'commitTransaction 1')).toHaveLength(1);
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
});
