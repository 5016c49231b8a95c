// An order is a contract at the price shown when it was placed: a seller's edit that reaches orders
// before tickets has applied order:created (the window in which tickets still accepts the edit)
// reprices the replica, never the order.
import { Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper } from '@ticketing/testkit';
import request from 'supertest';
import { TicketUpdatedListener } from '../events/listeners/ticket-updated-listener';
import { Ticket } from '../models/ticket';
import { buildTicket, listenerHarness, newId, outboxEvents, relayOutbox, signin, testApp, useOrdersDatabase } from '../test/helpers';

jest.mock('../nats-wrapper');

useOrdersDatabase();
const app = testApp();

describe('an order keeps the price it was placed at', () => {
  it("when the seller's new price reaches orders before order:created reaches tickets, then the order and its event keep the old price", async () => {
    const ticket = await buildTicket({ title: 'concert', price: 20 });
    const buyer = signin();
    const placed = await request(app).post('/api/orders').set('Cookie', buyer.cookie).send({ ticketId: ticket.id }).expect(201);
    const orderId = (placed.body as { id: string }).id;

    // order:created is still in the outbox (tickets has not reserved the ticket), so tickets accepted
    // the seller's PUT: its ticket:updated (the next version) reaches orders first.
    expect(fakeNatsWrapper.published()).toEqual([]);
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    const edit = await deliver({ id: ticket.id, version: 1, title: 'concert', price: 35, userId: newId() });
    expect(edit.settlement).toBe('ack');

    await relayOutbox();

    const snapshot = { id: ticket.id, title: 'concert', price: 20, version: 0 };
    const shown = await request(app).get(`/api/orders/${orderId}`).set('Cookie', buyer.cookie).expect(200);
    expect(shown.body).toMatchObject({ id: orderId, status: 'created', version: 0, ticket: snapshot });
    const listed = await request(app).get('/api/orders').set('Cookie', buyer.cookie).expect(200);
    expect((listed.body as Array<{ ticket: unknown }>).map((order) => order.ticket)).toEqual([snapshot]);
    expect(fakeNatsWrapper.published(Subjects.OrderCreated).map((event) => event.data)).toEqual([
      expect.objectContaining({ id: orderId, ticket: { id: ticket.id, price: 20, reservation: 1 } }),
    ]);
    expect((await Ticket.findById(ticket.id))?.toJSON()).toEqual({ id: ticket.id, title: 'concert', price: 35, version: 1 });
  });

  it('when the ticket is ordered again after a reprice, then the new order is placed at the new price', async () => {
    const ticket = await buildTicket({ price: 20 });
    const first = signin();
    const placed = await request(app).post('/api/orders').set('Cookie', first.cookie).send({ ticketId: ticket.id }).expect(201);
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    await deliver({ id: ticket.id, version: 1, title: ticket.title, price: 35, userId: newId() });
    await request(app)
      .delete(`/api/orders/${(placed.body as { id: string }).id}`)
      .set('Cookie', first.cookie)
      .expect(204);

    const again = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId: ticket.id }).expect(201);

    expect(again.body).toMatchObject({ ticket: { id: ticket.id, price: 35, version: 1 } });
    const created = await outboxEvents(Subjects.OrderCreated);
    expect(created.map((event) => (event.data.ticket as { price: number }).price)).toEqual([20, 35]);
  });
});
