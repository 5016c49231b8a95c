import { Subjects } from '@ticketing/common/contracts';
import { fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { toTicket } from '../../../models/ticket';
import { newId, outboxRows, relayOutbox, useOutbox } from '../../../test/helpers';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';
import { deliver, existingTicket, orderCancelledData, orderCreatedData, reload } from './support';

jest.mock('../../../nats-wrapper');

useMongoose();
useOutbox();

/** Delivers order:cancelled to the tickets service's listener; resolves with the settled message. */
const orderCancelled = (data: unknown, deliveryCount = 1) => deliver(OrderCancelledListener, data, deliveryCount);

/** A ticket reserved by its `reservation`th order, through the order:created listener. */
async function reservedTicket(reservation = 1) {
  const ticket = await existingTicket();
  const created = orderCreatedData(ticket.id, reservation);
  await deliver(OrderCreatedListener, created);
  return { ticket: toTicket(await reload(ticket.id)), orderId: created.id, created };
}

describe('OrderCancelledListener', () => {
  it('when the order holding the ticket is cancelled, then the ticket is released with version + 1 and the message is acked', async () => {
    const { ticket, created } = await reservedTicket();
    const { id } = ticket;
    const data = orderCancelledData(created);

    const msg = await orderCancelled(data);

    const stored = await reload(id);
    expect(stored.orderId).toBeUndefined();
    expect(stored.version).toBe(2);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the ticket is released, then ticket:updated without orderId is written and published', async () => {
    const { ticket, created } = await reservedTicket();
    const { id } = ticket;
    const data = orderCancelledData(created);

    await orderCancelled(data);

    await relayOutbox();
    const updates = fakeNatsWrapper.published(Subjects.TicketUpdated);
    expect(updates.map((event) => event.data.version)).toEqual([1, 2]);
    expect(updates[1]).toEqual({
      subject: Subjects.TicketUpdated,
      data: { id, version: 2, title: ticket.title, price: ticket.price, userId: ticket.userId },
      msgId: `ticket:updated:${id}:2`,
    });
    expect(updates[1].data).not.toHaveProperty('orderId');
  });

  it('when an earlier order of the ticket is cancelled, then the ticket stays reserved, no event is written, and it is acked', async () => {
    const { ticket, orderId } = await reservedTicket(2);
    const { id } = ticket;
    const data = orderCancelledData(orderCreatedData(id, 1));

    const msg = await orderCancelled(data);

    const stored = await reload(id);
    expect(stored.orderId).toBe(orderId);
    expect(stored.version).toBe(1);
    expect(await outboxRows(id)).toHaveLength(2);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the ticket is not reserved, then nothing changes and it is acked', async () => {
    const ticket = await existingTicket();
    const data = orderCancelledData(orderCreatedData(ticket.id));

    const msg = await orderCancelled(data);

    expect((await reload(ticket.id)).version).toBe(0);
    expect(await outboxRows(ticket.id)).toHaveLength(1);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it("when a later order's cancellation arrives before its creation while an earlier order holds the ticket, then the ticket is released for good", async () => {
    const { ticket } = await reservedTicket(1);
    const later = orderCreatedData(ticket.id, 2);

    const cancelMsg = await orderCancelled(orderCancelledData(later));
    const createMsg = await deliver(OrderCreatedListener, later);

    expect([cancelMsg.settlement, createMsg.settlement]).toEqual(['ack', 'ack']);
    const stored = await reload(ticket.id);
    expect({ orderId: stored.orderId, version: stored.version }).toEqual({ orderId: undefined, version: 2 });
    expect((await outboxRows(ticket.id)).map((row) => row.aggregateVersion)).toEqual([0, 1, 2]);
  });

  it('when the same order:cancelled is delivered again, then nothing changes and it is acked', async () => {
    const { ticket, created } = await reservedTicket();
    const { id } = ticket;
    const data = orderCancelledData(created);
    await orderCancelled(data);
    // The ticket is then reserved by a new order; a redelivered old cancellation must not release it.
    const next = orderCreatedData(id, 2);
    await deliver(OrderCreatedListener, next);

    const again = await orderCancelled(data, 2);

    expect(again.ack).toHaveBeenCalledTimes(1);
    const stored = await reload(id);
    expect(stored.orderId).toBe(next.id);
    expect(stored.version).toBe(3);
  });

  it('when the ticket is unknown, then the message is not acked (nak: it comes back) and nothing is recorded', async () => {
    const data = orderCancelledData(orderCreatedData(newId()));

    const msg = await orderCancelled(data);

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.settlement).toBe('nak');
    expect(await outboxRows(data.ticket.id)).toEqual([]);
  });

  it('when order:created and order:cancelled of one order are handled at the same moment, then the ticket always ends up free', async () => {
    const tickets = await Promise.all(Array.from({ length: 6 }, () => existingTicket()));

    const messages = await Promise.all(
      tickets.flatMap((ticket, i) => {
        const order = orderCreatedData(ticket.id);
        const cancel = orderCancelledData(order);
        // Alternate which one starts first.
        const runs = [() => deliver(OrderCreatedListener, order), () => orderCancelled(cancel)];
        if (i % 2 === 1) runs.reverse();
        return runs.map((run) => run());
      }),
    );

    expect(messages.every((msg) => msg.settlement === 'ack')).toBe(true);
    for (const ticket of tickets) {
      const stored = await reload(ticket.id);
      expect({ id: stored._id.toHexString(), orderId: stored.orderId }).toEqual({ id: ticket.id, orderId: undefined });
      // Either reserved then released (2 events after creation) or never reserved (none).
      const versions = (await outboxRows(ticket.id)).map((row) => row.aggregateVersion);
      expect([[0], [0, 1, 2]]).toContainEqual(versions);
      expect(stored.version).toBe(versions[versions.length - 1]);
    }
  });
});
