import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { Ticket } from '../../models/ticket';
import { createTicketViaApi, newId, testApp, useOutbox } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

describe('GET /api/tickets/:id', () => {
  it('when the ticket does not exist, then 404', async () => {
    const response = await request(app).get(`/api/tickets/${newId()}`).expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });

  it.each(['not-an-id', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'abcdefghijkl', '0123456789abcdef012345678'])(
    'when the id is malformed (%s), then 404',
    async (id) => {
      const response = await request(app).get(`/api/tickets/${id}`).expect(404);
      expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
    },
  );

  it.each([
    ['its 24-digit hex id', (id: string) => id, 200],
    ['its id in upper-case hex', (id: string) => id.toUpperCase(), 200],
    ['12 characters', () => 'abcdefghijkl', 404],
    ['23 hex digits', (id: string) => id.slice(1), 404],
    ['non-hex', () => 'z'.repeat(24), 404],
  ])('when a stored ticket is asked for by %s, then %s', async (_label, idFrom, status) => {
    const ticket = await createTicketViaApi(app);
    const response = await request(app)
      .get(`/api/tickets/${idFrom(ticket.id)}`)
      .expect(status);
    expect(response.body).toEqual(status === 200 ? ticket : { errors: [{ message: 'Not found' }] });
  });

  it('when the ticket exists, then 200 with it, signed in or not', async () => {
    const ticket = await createTicketViaApi(app);
    const response = await request(app).get(`/api/tickets/${ticket.id}`).expect(200);
    expect(response.body).toEqual(ticket);
  });

  it('when the ticket is reserved, then it is shown with its orderId', async () => {
    const { id } = await createTicketViaApi(app);
    const orderId = newId();
    const stored = await Ticket.findById(id).orFail();
    stored.set({ orderId });
    await stored.save();

    const response = await request(app).get(`/api/tickets/${id}`).expect(200);
    expect(response.body).toMatchObject({ id, orderId, version: 1 });
  });
});
