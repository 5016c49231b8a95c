import { OrderStatus, Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper } from '@ticketing/testkit';
import request from 'supertest';
import { Order } from '../../models/order';
import { buildOrder, buildTicket, relayOutbox, newId, outboxEvents, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

async function placeOrder(cookie: string): Promise<{ orderId: string; ticketId: string }> {
  const ticket = await buildTicket();
  const response = await request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId: ticket.id }).expect(201);
  return { orderId: (response.body as { id: string }).id, ticketId: ticket.id };
}

describe('DELETE /api/orders/:id', () => {
  it('when the owner cancels, then 204 and the order is cancelled with version + 1', async () => {
    const user = signin();
    const { orderId } = await placeOrder(user.cookie);

    const response = await request(app).delete(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(204);

    expect(response.text).toBe('');
    const shown = await request(app).get(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(200);
    expect(shown.body).toMatchObject({ id: orderId, status: 'cancelled', version: 1 });
  });

  it('when the order is cancelled, then order:cancelled is written to the outbox and published', async () => {
    const user = signin();
    const { orderId, ticketId } = await placeOrder(user.cookie);
    await request(app).delete(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(204);

    const expected = { id: orderId, version: 1, ticket: { id: ticketId, reservation: 1 } };
    expect(await outboxEvents(Subjects.OrderCancelled)).toEqual([
      { subject: Subjects.OrderCancelled, data: expected, msgId: `order:cancelled:${orderId}:1` },
    ]);

    await relayOutbox();
    expect(fakeNatsWrapper.published().map((event) => event.subject)).toEqual([Subjects.OrderCreated, Subjects.OrderCancelled]);
    expect(fakeNatsWrapper.published(Subjects.OrderCancelled)).toEqual([
      { subject: Subjects.OrderCancelled, data: expected, msgId: `order:cancelled:${orderId}:1` },
    ]);
  });

  it('when the order is cancelled, then its ticket can be ordered again', async () => {
    const user = signin();
    const { orderId, ticketId } = await placeOrder(user.cookie);
    await request(app).delete(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(204);
    await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId }).expect(201);
  });

  it('when the order is cancelled twice, then the second is 400 and nothing changes', async () => {
    const user = signin();
    const { orderId } = await placeOrder(user.cookie);
    await request(app).delete(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(204);

    const response = await request(app).delete(`/api/orders/${orderId}`).set('Cookie', user.cookie).expect(400);

    expect(response.body).toEqual({ errors: [{ message: 'Order is already cancelled' }] });
    expect(await Order.findById(orderId)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await outboxEvents(Subjects.OrderCancelled)).toHaveLength(1);
  });

  it('when the order is complete (paid), then 400 and it keeps its ticket', async () => {
    const user = signin();
    const order = await buildOrder({ ticket: await buildTicket(), userId: user.id, status: OrderStatus.Complete });
    const response = await request(app).delete(`/api/orders/${order.id}`).set('Cookie', user.cookie).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Cannot cancel a completed order' }] });
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    expect(await outboxEvents()).toEqual([]);
  });

  it('when another user cancels, then 401 and the order stays created', async () => {
    const { orderId } = await placeOrder(signin().cookie);
    await request(app).delete(`/api/orders/${orderId}`).set('Cookie', signin().cookie).expect(401);
    expect(await Order.findById(orderId)).toMatchObject({ status: OrderStatus.Created, version: 0 });
    expect(await outboxEvents(Subjects.OrderCancelled)).toEqual([]);
  });

  it('when not signed in, then 401', async () => {
    await request(app).delete(`/api/orders/${newId()}`).expect(401);
  });

  it.each([
    ['unknown', newId()],
    ['malformed', 'not-an-id'],
  ])('when the id is %s, then 404', async (_label, id) => {
    await request(app).delete(`/api/orders/${id}`).set('Cookie', signin().cookie).expect(404);
  });
});
