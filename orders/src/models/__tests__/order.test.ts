import { isDuplicateKeyError } from '@ticketing/common/http';
import { OrderStatus } from '@ticketing/common/contracts';
import mongoose from 'mongoose';
import { outbox } from '../../outbox';
import { insertOrder, Order, toOrder } from '../../models/order';
import { Ticket } from '../../models/ticket';
import { buildOrder, buildTicket, newId, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();

async function loadOrder(id: string) {
  const order = await Order.findById(id);
  if (!order) throw new Error(`no order ${id}`);
  return order;
}

describe('Order model', () => {
  it('when insertOrder stores a new order, then it is active at version 0 and reads back as it returned it', async () => {
    const ticket = { id: newId(), title: 'gig', price: 12, version: 3 };
    const row = await insertOrder({
      userId: 'user-1',
      status: OrderStatus.Created,
      expiresAt: new Date('2030-01-01T00:00:00.000Z'),
      ticket,
      reservation: 2,
    });

    const stored = await Order.findById(row._id).lean();
    expect(stored).toMatchObject({ userId: 'user-1', status: 'created', active: true, version: 0, reservation: 2, ticket });
    expect(toOrder(stored!)).toEqual(toOrder(row));
  });

  it('when insertOrder gets an order that breaks the schema (a ticket id that is not 24 hex digits), then it refuses it and stores nothing', async () => {
    const ticket = { id: 'not-an-id', title: 'gig', price: 12, version: 0 };
    await expect(
      insertOrder({ userId: 'user-1', status: OrderStatus.Created, expiresAt: new Date(), ticket, reservation: 1 }),
    ).rejects.toBeInstanceOf(mongoose.Error.ValidationError);
    expect(await Order.countDocuments({})).toBe(0);
  });

  it('when serialised, then it has the documented shape with the ticket snapshot embedded', async () => {
    const ticket = await buildTicket({ title: 'gig', price: 12 });
    const order = await buildOrder({ ticket, userId: 'user-1', expiresAt: new Date('2030-01-01T00:00:00.000Z') });
    const loaded = await Order.findById(order.id);

    expect(JSON.parse(JSON.stringify(loaded))).toEqual({
      id: order.id,
      userId: 'user-1',
      status: 'created',
      expiresAt: '2030-01-01T00:00:00.000Z',
      version: 0,
      ticket: { id: ticket.id, title: 'gig', price: 12, version: 0 },
    });
  });

  it('when the replica ticket changes after the order, then the stored snapshot does not (no reference to the replica)', async () => {
    const ticket = await buildTicket({ title: 'gig', price: 12 });
    const order = await buildOrder({ ticket });
    await Ticket.updateOne({ _id: ticket.id }, { $set: { title: 'other', price: 99 } });
    expect(toOrder(await loadOrder(order.id)).ticket).toEqual({ id: ticket.id, title: 'gig', price: 12, version: 0 });
  });

  it('when the snapshot has no valid ticket id, then the order does not validate', async () => {
    const error: unknown = await buildOrder({ ticket: { id: 'abcdefghijkl', title: 't', price: 1, version: 0 }, reservation: 1 }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(mongoose.Error.ValidationError);
  });

  it('when an order changes status, then its version goes up by one per save', async () => {
    const order = await loadOrder((await buildOrder()).id);
    order.set({ status: OrderStatus.AwaitingPayment });
    await order.save();
    order.set({ status: OrderStatus.Complete });
    await order.save();
    expect((await Order.findById(order.id))?.version).toBe(2);
  });

  it('when a second active order for one ticket is inserted without any check, then the unique index refuses it', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket, status: OrderStatus.AwaitingPayment });

    const error: unknown = await buildOrder({ ticket, status: OrderStatus.Created }).catch((err: unknown) => err);

    expect(isDuplicateKeyError(error)).toBe(true);
    expect(await Order.countDocuments({ 'ticket.id': ticket.id })).toBe(1);
  });

  it('when the other orders of a ticket are cancelled, then a new active order is allowed', async () => {
    const ticket = await buildTicket();
    await buildOrder({ ticket, status: OrderStatus.Cancelled });
    const first = await loadOrder((await buildOrder({ ticket })).id);
    first.set({ status: OrderStatus.Cancelled });
    await first.save();
    await buildOrder({ ticket });
    expect(await Order.countDocuments({ 'ticket.id': ticket.id, active: true })).toBe(1);
  });

  it('when concurrent transactions each insert an active order for one ticket without checking, then exactly one commits', async () => {
    const ticket = await buildTicket();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        outbox.transaction(async (tx) => {
          await Order.build({ ticket, userId: newId(), status: OrderStatus.Created, expiresAt: new Date(), reservation: 1 }).save({
            session: tx.session,
          });
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(reasons.every((reason) => isDuplicateKeyError(reason))).toBe(true);
    expect(await Order.countDocuments({ 'ticket.id': ticket.id })).toBe(1);
  });

  it('when the orders collection is inspected, then the one-active-order index is unique and partial on active orders', async () => {
    const indexes = (await mongoose.connection.collection('orders').indexes()) as Array<Record<string, unknown>>;
    expect(indexes).toContainEqual(
      expect.objectContaining({ key: { 'ticket.id': 1 }, unique: true, partialFilterExpression: { active: true } }),
    );
  });
});
