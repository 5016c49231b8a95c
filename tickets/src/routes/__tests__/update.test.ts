import { Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import type { Ticket as TicketJson } from '../../domain/tickets';
import { Ticket } from '../../models/ticket';
import { createTicketViaApi, newId, outboxRows, relayOutbox, signin, testApp, ticketBody, useOutbox } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

async function reserve(id: string, orderId = newId()): Promise<string> {
  const ticket = await Ticket.findById(id).orFail();
  ticket.set({ orderId });
  await ticket.save();
  return orderId;
}

describe('PUT /api/tickets/:id', () => {
  it('when the id does not exist, then 404', async () => {
    const response = await request(app).put(`/api/tickets/${newId()}`).set('Cookie', signin().cookie).send(ticketBody()).expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });

  it.each(['not-an-id', 'abcdefghijkl', 'zzzzzzzzzzzzzzzzzzzzzzzz'])('when the id is malformed (%s), then 404', async (id) => {
    await request(app).put(`/api/tickets/${id}`).set('Cookie', signin().cookie).send(ticketBody()).expect(404);
  });

  it('when the user is not signed in, then 401 and the ticket is unchanged', async () => {
    const ticket = await createTicketViaApi(app);
    await request(app).put(`/api/tickets/${ticket.id}`).send(ticketBody()).expect(401);
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual(ticket);
  });

  it('when the user does not own the ticket, then 401 and the ticket is unchanged', async () => {
    const ticket = await createTicketViaApi(app);
    const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', signin().cookie).send(ticketBody()).expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual(ticket);
  });

  it.each([
    ['an empty title', { title: '' }, 'title'],
    ['a title object', { title: { $ne: null } }, 'title'],
    ['a negative price', { price: -10 }, 'price'],
    ['a missing price', { price: undefined }, 'price'],
    ['a price object', { price: { $gt: 0 } }, 'price'],
  ])('when the owner sends %s, then 400 and nothing changes', async (_label, overrides, field) => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody(overrides)).expect(400);
    expect(response.body).toEqual({ errors: [expect.objectContaining({ field })] });
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual(ticket);
    expect(await outboxRows(ticket.id)).toHaveLength(1);
  });

  it('when the owner sends valid input, then 200 with the updated ticket at version 1', async () => {
    const { id: userId, cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const body = ticketBody();

    const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(body).expect(200);

    const expected = { id: ticket.id, title: body.title, price: body.price, userId, version: 1 };
    expect(response.body).toEqual(expected);
    expect((await request(app).get(`/api/tickets/${ticket.id}`).expect(200)).body).toEqual(expected);
  });

  it('when the body carries userId or orderId, then they are ignored', async () => {
    const { id: userId, cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const response = await request(app)
      .put(`/api/tickets/${ticket.id}`)
      .set('Cookie', cookie)
      .send({ ...ticketBody(), userId: newId(), orderId: newId() })
      .expect(200);
    expect(response.body).toMatchObject({ userId, version: 1 });
    expect(response.body).not.toHaveProperty('orderId');
  });

  it('when a ticket is updated, then ticket:updated is written with the change and published by the relay', async () => {
    const { id: userId, cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const body = ticketBody();
    await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(body).expect(200);

    const expected = { id: ticket.id, version: 1, title: body.title, price: body.price, userId };
    expect((await outboxRows(ticket.id)).map((row) => [row.subject, row.data])).toEqual([
      [Subjects.TicketCreated, { id: ticket.id, version: 0, title: ticket.title, price: ticket.price, userId }],
      [Subjects.TicketUpdated, expected],
    ]);

    await relayOutbox();
    expect(fakeNatsWrapper.published(Subjects.TicketUpdated)).toEqual([
      { subject: Subjects.TicketUpdated, data: expected, msgId: `ticket:updated:${ticket.id}:1` },
    ]);
  });

  it('when the ticket is reserved, then 400 "Cannot edit a reserved ticket" and nothing changes', async () => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const orderId = await reserve(ticket.id);

    const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody()).expect(400);

    expect(response.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual({ ...ticket, orderId, version: 1 });
    expect((await outboxRows(ticket.id)).map((row) => row.subject)).toEqual([Subjects.TicketCreated]);
  });

  it('when the owner sends twenty edits at once, then every one is applied in turn with versions 1..20 and one event each', async () => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    const bodies = Array.from({ length: 20 }, (_, i) => ticketBody({ price: i + 1 }));

    const responses = await Promise.all(
      bodies.map((body) => request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(body)),
    );

    // The chosen behaviour is "retry": every edit succeeds (none is answered 409 or 500).
    expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const succeeded = responses.length;
    const answered = responses.map((r) => (r.body as TicketJson).version).sort((a, b) => a - b);
    expect(answered).toEqual(Array.from({ length: succeeded }, (_, i) => i + 1));

    const stored = await Ticket.findById(ticket.id).orFail();
    expect(stored.version).toBe(succeeded);
    // The last edit applied is the one that answered the highest version.
    const last = responses.find((r) => (r.body as TicketJson).version === succeeded)?.body as TicketJson;
    expect(stored.toJSON()).toEqual(last);

    await relayOutbox();
    const updates = fakeNatsWrapper.published(Subjects.TicketUpdated).filter((e) => e.data.id === ticket.id);
    expect(updates.map((e) => e.data.version)).toEqual(Array.from({ length: succeeded }, (_, i) => i + 1));
    // Each event carries the edit that produced that version.
    for (const response of responses) {
      const body = response.body as TicketJson;
      expect(updates[body.version - 1].data).toEqual({
        id: body.id,
        version: body.version,
        title: body.title,
        price: body.price,
        userId: body.userId,
      });
    }
  });

  it('when every conditional write misses although the ticket looks editable, then 409 in the error shape (never 500) and nothing changes', async () => {
    const { cookie } = signin();
    const ticket = await createTicketViaApi(app, cookie);
    // Every conditional write matches nothing, as if the ticket were held each time it ran.
    const write = jest.spyOn(Ticket.collection, 'findOneAndUpdate').mockResolvedValue(null);

    try {
      const response = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody()).expect(409);
      expect(response.body).toEqual({ errors: [{ message: expect.stringContaining('changed by another request') }] });
    } finally {
      write.mockRestore();
    }
    expect((await Ticket.findById(ticket.id).orFail()).toJSON()).toEqual(ticket);
    expect(await outboxRows(ticket.id)).toHaveLength(1);
  });
});
