import request from 'supertest';
import { buildTicket, newId, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

describe('GET /api/orders/:id', () => {
  it('when the owner asks, then 200 with the order and its ticket', async () => {
    const ticket = await buildTicket({ title: 'opera', price: 50 });
    const user = signin();
    const created = await request(app).post('/api/orders').set('Cookie', user.cookie).send({ ticketId: ticket.id }).expect(201);

    const response = await request(app)
      .get(`/api/orders/${(created.body as { id: string }).id}`)
      .set('Cookie', user.cookie)
      .expect(200);

    expect(response.body).toEqual(created.body);
    expect(response.body).toMatchObject({
      userId: user.id,
      status: 'created',
      ticket: { id: ticket.id, title: 'opera', price: 50, version: 0 },
    });
  });

  it("when another user asks for someone's order, then 401", async () => {
    const ticket = await buildTicket();
    const created = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);
    const response = await request(app)
      .get(`/api/orders/${(created.body as { id: string }).id}`)
      .set('Cookie', signin().cookie)
      .expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('when not signed in, then 401', async () => {
    await request(app).get(`/api/orders/${newId()}`).expect(401);
  });

  it.each([
    ['unknown', newId()],
    ['malformed', 'not-an-id'],
    ['twelve characters', 'abcdefghijkl'],
  ])('when the id is %s, then 404', async (_label, id) => {
    const response = await request(app).get(`/api/orders/${id}`).set('Cookie', signin().cookie).expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });
});
