import request from 'supertest';
import { buildTicket, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

async function order(cookie: string, ticketId: string): Promise<{ id: string }> {
  const response = await request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId }).expect(201);
  return response.body as { id: string };
}

describe('GET /api/orders', () => {
  it('when not signed in, then 401', async () => {
    await request(app).get('/api/orders').expect(401);
  });

  it('when two users have orders, then each sees only their own, with the ticket embedded', async () => {
    const [one, two, three] = await Promise.all([buildTicket({ price: 10 }), buildTicket({ price: 20 }), buildTicket({ price: 30 })]);
    const userOne = signin();
    const userTwo = signin();
    await order(userOne.cookie, one.id);
    const first = await order(userTwo.cookie, two.id);
    const second = await order(userTwo.cookie, three.id);

    const response = await request(app).get('/api/orders').set('Cookie', userTwo.cookie).expect(200);

    const body = response.body as Array<{ id: string; userId: string; ticket: unknown }>;
    expect(body.map((o) => o.id)).toEqual([first.id, second.id]);
    expect(body.every((o) => o.userId === userTwo.id)).toBe(true);
    expect(body.map((o) => o.ticket)).toEqual([
      { id: two.id, title: two.title, price: 20, version: 0 },
      { id: three.id, title: three.title, price: 30, version: 0 },
    ]);
  });

  it('when the user has no orders, then an empty list', async () => {
    const response = await request(app).get('/api/orders').set('Cookie', signin().cookie).expect(200);
    expect(response.body).toEqual([]);
  });
});
