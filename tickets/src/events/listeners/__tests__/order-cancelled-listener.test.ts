import { Subjects } from '@ticketing/common/contracts';
import { createFakeMessage, fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import { newId, outboxRows, relayOutbox, useOutbox } from '../../../test/helpers';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';
import { existingTicket, orderCancelledData, orderCreatedData, reload } from './support';

jest.mock('../../../nats-wrapper');

useMongoose();
useOutbox();

function cancelledMessage(data: unknown, deliveryCount = 1) {
  return createFakeMessage({ subject: Subjects.OrderCancelled, data, deliveryCount });
}

/** A ticket reserved by an order, through the order:created listener. */
async function reservedTicket() {
  const ticket = await existingTicket();
  const created = orderCreatedData(ticket.id as string);
  await new OrderCreatedListener(natsWrapper.client).onMessage(
    created,
    createFakeMessage({ subject: Subjects.OrderCreated, data: created }),
  );
  return { ticket: await reload(ticket.id as string), orderId: created.id };
}

describe('OrderCancelledListener', () => {
  it('when the order holding the ticket is cancelled, then the ticket is released with version + 1 and the message is acked', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const { ticket, orderId } = await reservedTicket();
    const data = orderCancelledData(orderId, ticket.id as string);
    const msg = cancelledMessage(data);

    await listener.onMessage(data, msg);

    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBeUndefined();
    expect(stored.version).toBe(2);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the ticket is released, then ticket:updated without orderId is written and published', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const { ticket, orderId } = await reservedTicket();
    const data = orderCancelledData(orderId, ticket.id as string);

    await listener.onMessage(data, cancelledMessage(data));

    await relayOutbox();
    const updates = fakeNatsWrapper.published(Subjects.TicketUpdated);
    expect(updates.map((event) => event.data.version)).toEqual([1, 2]);
    expect(updates[1]).toEqual({
      subject: Subjects.TicketUpdated,
      data: { id: ticket.id, version: 2, title: ticket.title, price: ticket.price, userId: ticket.userId },
      msgId: `ticket:updated:${ticket.id}:2`,
    });
    expect(updates[1].data).not.toHaveProperty('orderId');
  });

  it('when a different order is cancelled, then the ticket stays reserved, no event is written, and it is acked', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const { ticket, orderId } = await reservedTicket();
    const data = orderCancelledData(newId(), ticket.id as string);
    const msg = cancelledMessage(data);

    await listener.onMessage(data, msg);

    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBe(orderId);
    expect(stored.version).toBe(1);
    expect(await outboxRows(ticket.id as string)).toHaveLength(2);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the ticket is not reserved, then nothing changes and it is acked', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const ticket = await existingTicket();
    const data = orderCancelledData(newId(), ticket.id as string);
    const msg = cancelledMessage(data);

    await listener.onMessage(data, msg);

    expect((await reload(ticket.id as string)).version).toBe(0);
    expect(await outboxRows(ticket.id as string)).toHaveLength(1);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the same order:cancelled is delivered again, then nothing changes and it is acked', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const { ticket, orderId } = await reservedTicket();
    const data = orderCancelledData(orderId, ticket.id as string);
    await listener.onMessage(data, cancelledMessage(data));
    // The ticket is then reserved by a new order; a redelivered old cancellation must not release it.
    const next = orderCreatedData(ticket.id as string);
    await new OrderCreatedListener(natsWrapper.client).onMessage(next, createFakeMessage({ subject: Subjects.OrderCreated, data: next }));

    const again = cancelledMessage(data, 2);
    await listener.onMessage(data, again);

    expect(again.ack).toHaveBeenCalledTimes(1);
    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBe(next.id);
    expect(stored.version).toBe(3);
  });

  it('when the ticket is unknown, then the message is not acked and nothing is recorded', async () => {
    const listener = new OrderCancelledListener(natsWrapper.client);
    const data = orderCancelledData(newId(), newId());
    const msg = cancelledMessage(data);

    await listener.onMessage(data, msg);

    expect(msg.settlement).toBeUndefined();
    expect(await inbox.model.countDocuments()).toBe(0);
  });

  it('when order:created and order:cancelled of one order are handled at the same moment, then the ticket always ends up free', async () => {
    const created = new OrderCreatedListener(natsWrapper.client);
    const cancelled = new OrderCancelledListener(natsWrapper.client);
    const tickets = await Promise.all(Array.from({ length: 6 }, () => existingTicket()));

    const messages = await Promise.all(
      tickets.flatMap((ticket, i) => {
        const order = orderCreatedData(ticket.id as string);
        const cancel = orderCancelledData(order.id, ticket.id as string);
        const createdMsg = createFakeMessage({ subject: Subjects.OrderCreated, data: order });
        const cancelMsg = cancelledMessage(cancel);
        // Alternate which one starts first.
        const runs = [() => created.onMessage(order, createdMsg), () => cancelled.onMessage(cancel, cancelMsg)];
        if (i % 2 === 1) runs.reverse();
        return runs.map((run, j) => run().then(() => (j === 0 ? createdMsg : cancelMsg)));
      }),
    );

    expect(messages.every((msg) => msg.settlement === 'ack')).toBe(true);
    for (const ticket of tickets) {
      const stored = await reload(ticket.id as string);
      expect({ id: stored.id as string, orderId: stored.orderId }).toEqual({ id: ticket.id, orderId: undefined });
      // Either reserved then released (2 events after creation) or never reserved (none).
      const versions = (await outboxRows(ticket.id as string)).map((row) => row.aggregateVersion);
      expect([[0], [0, 1, 2]]).toContainEqual(versions);
      expect(stored.version).toBe(versions[versions.length - 1]);
    }
  });
});
