import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import type { Ticket as TicketJson } from '../../domain/tickets';
import { Ticket } from '../../models/ticket';
import { createTicketViaApi, newId, testApp, useOutbox } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

describe('GET /api/tickets', () => {
  it('when there are no tickets, then 200 with an empty list', async () => {
    const response = await request(app).get('/api/tickets').expect(200);
    expect(response.body).toEqual([]);
  });

  it('when tickets exist, then it lists them all, signed in or not', async () => {
    const created = [await createTicketViaApi(app), await createTicketViaApi(app), await createTicketViaApi(app)];
    const response = await request(app).get('/api/tickets').expect(200);
    expect(response.body).toEqual(created);
  });

  it('when a ticket is reserved, then it is left out until released', async () => {
    const [free, reserved] = [await createTicketViaApi(app), await createTicketViaApi(app)];
    const stored = await Ticket.findById(reserved.id).orFail();
    stored.set({ orderId: newId() });
    await stored.save();

    const listed = (await request(app).get('/api/tickets').expect(200)).body as TicketJson[];
    expect(listed.map((t) => t.id)).toEqual([free.id]);

    stored.set({ orderId: undefined });
    await stored.save();
    const relisted = (await request(app).get('/api/tickets').expect(200)).body as TicketJson[];
    expect(relisted.map((t) => t.id)).toEqual([free.id, reserved.id]);
    expect(relisted[1]).not.toHaveProperty('orderId');
  });
});
