import { Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { Types } from 'mongoose';
import request from 'supertest';
import { Ticket } from '../../models/ticket';
import { newId, outboxRows, relayOutbox, signin, testApp, ticketBody, useOutbox } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

describe('POST /api/tickets', () => {
  it('when a request is posted, then a route handler answers (not 404)', async () => {
    const response = await request(app).post('/api/tickets').send({});
    expect(response.status).not.toBe(404);
  });

  it('when the user is signed out, then 401', async () => {
    const response = await request(app).post('/api/tickets').send(ticketBody()).expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it('when the user is signed in, then the answer is not 401', async () => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send({});
    expect(response.status).not.toBe(401);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['missing', undefined],
    ['a number', 42],
    ['an operator object', { $gt: '' }],
  ])('when the title is %s, then 400 naming title', async (_label, title) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ title })).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Title is required', field: 'title' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    ['negative', -10],
    ['zero', 0],
    ['missing', undefined],
    ['a numeric string', '10'],
    ['an operator object', { $gt: 0 }],
  ])('when the price is %s, then 400 naming price', async (_label, price) => {
    const response = await request(app).post('/api/tickets').set('Cookie', signin().cookie).send(ticketBody({ price })).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Price must be a number greater than 0', field: 'price' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it('when the input is valid, then 201 with the ticket at version 0, and it is stored', async () => {
    const { id: userId, cookie } = signin();
    const body = ticketBody();
    const response = await request(app).post('/api/tickets').set('Cookie', cookie).send(body).expect(201);

    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: body.title,
      price: body.price,
      userId,
      version: 0,
    });
    const tickets = await Ticket.find({});
    expect(tickets).toHaveLength(1);
    expect(tickets[0].toJSON()).toEqual(response.body);
  });

  it('when the title has surrounding spaces, then it is stored trimmed', async () => {
    const response = await request(app)
      .post('/api/tickets')
      .set('Cookie', signin().cookie)
      .send(ticketBody({ title: '  concert  ' }))
      .expect(201);
    expect(response.body).toMatchObject({ title: 'concert' });
  });

  it('when the body carries userId, orderId or version, then they are ignored', async () => {
    const { id: userId, cookie } = signin();
    const response = await request(app)
      .post('/api/tickets')
      .set('Cookie', cookie)
      .send({ ...ticketBody(), userId: newId(), orderId: newId(), version: 7 })
      .expect(201);
    expect(response.body).toMatchObject({ userId, version: 0 });
    expect(response.body).not.toHaveProperty('orderId');
  });

  it('when a ticket is created, then ticket:created is written with it and published by the relay, which then removes it from the ticket', async () => {
    const { id: userId, cookie } = signin();
    const body = ticketBody();
    const { body: ticket } = await request(app).post('/api/tickets').set('Cookie', cookie).send(body).expect(201);
    const expected = { id: ticket.id, version: 0, title: body.title, price: body.price, userId };

    const rows = await outboxRows(ticket.id);
    expect(rows).toEqual([
      expect.objectContaining({
        subject: Subjects.TicketCreated,
        data: expected,
        msgId: `ticket:created:${ticket.id}:0`,
        attempts: 0,
        claimedBy: null,
      }),
    ]);
    // Nothing reaches the broker from the route itself.
    expect(fakeNatsWrapper.client.publish).not.toHaveBeenCalled();

    await relayOutbox();
    expect(fakeNatsWrapper.published()).toEqual([
      { subject: Subjects.TicketCreated, data: expected, msgId: `ticket:created:${ticket.id}:0` },
    ]);
    expect(await outboxRows(ticket.id)).toEqual([]);
    expect(await Ticket.collection.findOne({ _id: new Types.ObjectId(ticket.id) })).not.toHaveProperty('outboxPending');
  });
});
