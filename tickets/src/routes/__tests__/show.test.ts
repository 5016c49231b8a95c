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
