import { Subjects } from '@ticketing/common/contracts';
import { DeadLetterRecord, Transport } from '@ticketing/common/transport';
import { createFakeMessage, fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { natsWrapper } from '../../../nats-wrapper';
import { buildTicket, newId, outboxRows, relayOutbox, useOutbox } from '../../../test/helpers';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';
import { deliver, existingTicket, orderCancelledData, orderCreatedData, reload } from './support';

jest.mock('../../../nats-wrapper');

useMongoose();
useOutbox();

/** Delivers order:created to the tickets service's listener; resolves with the settled message. */
const orderCreated = (data: unknown, deliveryCount = 1) => deliver(OrderCreatedListener, data, deliveryCount);

describe('OrderCreatedListener', () => {
  it('when an order is created for a ticket, then the ticket gets the orderId and version + 1', async () => {
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id);

    await orderCreated(data);

    const stored = await reload(ticket.id);
    expect(stored.orderId).toBe(data.id);
    expect(stored.version).toBe(1);
  });

  it('when the order is applied, then the message is acked', async () => {
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id);

    const msg = await orderCreated(data);

    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(msg.settlement).toBe('ack');
  });

  it('when the ticket is reserved, then ticket:updated with the orderId is written and published', async () => {
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id);

    await orderCreated(data);

    const expected = { id: ticket.id, version: 1, title: ticket.title, price: ticket.price, userId: ticket.userId, orderId: data.id };
    expect((await outboxRows(ticket.id)).map((row) => [row.subject, row.aggregateVersion])).toEqual([
      [Subjects.TicketCreated, 0],
      [Subjects.TicketUpdated, 1],
    ]);
    await relayOutbox();
    expect(fakeNatsWrapper.published(Subjects.TicketUpdated)).toEqual([
      { subject: Subjects.TicketUpdated, data: expected, msgId: `ticket:updated:${ticket.id}:1` },
    ]);
  });

  it('when the same order:created is delivered again, then nothing changes, no event is added, and it is acked', async () => {
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id);
    await orderCreated(data);

    const again = await orderCreated(data, 2);

    expect(again.ack).toHaveBeenCalledTimes(1);
    expect((await reload(ticket.id)).version).toBe(1);
    expect(await outboxRows(ticket.id)).toHaveLength(2);
  });

  it('when the same order:created is delivered again after its order released the ticket, then the ticket stays free', async () => {
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id);
    await orderCreated(data);
    await deliver(OrderCancelledListener, orderCancelledData(data));

    const again = await orderCreated(data, 2);

    expect(again.ack).toHaveBeenCalledTimes(1);
    const stored = await reload(ticket.id);
    expect({ orderId: stored.orderId, version: stored.version }).toEqual({ orderId: undefined, version: 2 });
    expect(await outboxRows(ticket.id)).toHaveLength(3);
  });

  it('when the ticket is unknown, then the message is not acked (nak: it comes back) and nothing is recorded', async () => {
    const data = orderCreatedData(newId());

    const msg = await orderCreated(data);

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.settlement).toBe('nak');
    expect(await outboxRows(data.ticket.id)).toEqual([]);
  });

  it('when the ticket arrives after a first unacked delivery, then the redelivery reserves it', async () => {
    const ticketId = newId();
    const data = orderCreatedData(ticketId);
    const first = await orderCreated(data, 1);
    expect(first.ack).not.toHaveBeenCalled();

    // ticket:created is only now handled here (as the orders replica would see it, the ticket keeps its id).
    await buildTicket({ _id: ticketId, title: 'late', price: 5 });
    const second = await orderCreated(data, 2);

    expect(second.ack).toHaveBeenCalledTimes(1);
    expect((await reload(ticketId)).toJSON()).toMatchObject({ orderId: data.id, version: 1 });
  });

  it('when the ticket stays unknown until the last delivery, then the event becomes a dead letter', async () => {
    let handle: ((msg: ReturnType<typeof createFakeMessage>) => Promise<void>) | undefined;
    const recorded: DeadLetterRecord[] = [];
    const transport: Transport = {
      kind: 'test',
      publish: async () => ({ duplicate: false }),
      subscribe: async (subject, options, handler) => {
        handle = handler;
        return { subject, queueGroup: options.queueGroup, close: async () => undefined };
      },
      deadLetters: {
        record: async (entry) => {
          recorded.push(entry);
          return true;
        },
        list: async () => [],
        replay: async () => ({ duplicate: false }),
      },
      isConnected: () => true,
      onStatus: () => () => undefined,
      close: async () => undefined,
    };
    await new OrderCreatedListener(transport).listen();
    const data = orderCreatedData(newId());

    const early = createFakeMessage({ subject: Subjects.OrderCreated, data, deliveryCount: 1, sequence: 7 });
    await handle?.(early);
    expect(early.settlement).toBe('nak');
    expect(recorded).toEqual([]);

    const last = createFakeMessage({ subject: Subjects.OrderCreated, data, deliveryCount: 10, sequence: 7 });
    await handle?.(last);
    expect(last.term).toHaveBeenCalledTimes(1);
    expect(last.ack).not.toHaveBeenCalled();
    expect(recorded).toEqual([
      expect.objectContaining({ subject: Subjects.OrderCreated, data, queueGroup: 'tickets-service', streamSequence: 7 }),
    ]);
  });

  it('when order:cancelled was handled before this order:created, then the ticket is not reserved and the event is acked', async () => {
    const ticket = await existingTicket();
    const created = orderCreatedData(ticket.id);
    const cancelled = orderCancelledData(created);
    const cancelMsg = await deliver(OrderCancelledListener, cancelled);
    expect(cancelMsg.ack).toHaveBeenCalled();

    const msg = await orderCreated(created);

    expect(msg.ack).toHaveBeenCalledTimes(1);
    const stored = await reload(ticket.id);
    expect(stored.orderId).toBeUndefined();
    expect(stored.version).toBe(0);
    expect(await outboxRows(ticket.id)).toHaveLength(1);
  });

  it('when an earlier order holds the ticket, then a later order takes it (its order:cancelled is still to come)', async () => {
    const ticket = await existingTicket();
    const first = orderCreatedData(ticket.id, 1);
    const second = orderCreatedData(ticket.id, 2);
    await orderCreated(first);

    await orderCreated(second);

    const stored = await reload(ticket.id);
    expect(stored.orderId).toBe(second.id);
    expect(stored.version).toBe(2);
  });

  it("when an earlier order's order:created arrives after a later order's, then the later order keeps the ticket", async () => {
    const ticket = await existingTicket();
    const first = orderCreatedData(ticket.id, 1);
    const second = orderCreatedData(ticket.id, 2);
    await orderCreated(second);

    const late = await orderCreated(first);

    expect(late.settlement).toBe('ack');
    const stored = await reload(ticket.id);
    expect({ orderId: stored.orderId, version: stored.version }).toEqual({ orderId: second.id, version: 1 });
    expect(await outboxRows(ticket.id)).toHaveLength(2);
  });

  it('when an order:created is redelivered after later orders held and released the ticket, then the ticket stays free', async () => {
    const ticket = await existingTicket();
    const first = orderCreatedData(ticket.id, 1);
    const second = orderCreatedData(ticket.id, 2);
    for (const order of [first, second]) {
      await orderCreated(order);
      await deliver(OrderCancelledListener, orderCancelledData(order));
    }

    const again = await orderCreated(first, 5);

    expect(again.settlement).toBe('ack');
    const stored = await reload(ticket.id);
    expect({ orderId: stored.orderId, version: stored.version }).toEqual({ orderId: undefined, version: 4 });
    expect(await outboxRows(ticket.id)).toHaveLength(5);
  });
});

describe('order listeners under concurrent delivery', () => {
  it.each([
    [
      'order:created',
      (client: Transport) => new OrderCreatedListener(client),
      (ticketId: string) => orderCreatedData(ticketId),
      Subjects.OrderCreated,
    ],
    [
      'order:cancelled',
      (client: Transport) => new OrderCancelledListener(client),
      (ticketId: string) => orderCancelledData(orderCreatedData(ticketId)),
      Subjects.OrderCancelled,
    ],
  ] as const)(
    'when the %s listener subscribes, then it handles several at once but one at a time per ticket (keyed by ticket id, not order id)',
    async (_name, build, makeData, subject) => {
      const subscribe = jest.spyOn(natsWrapper.client, 'subscribe');
      const listener = build(natsWrapper.client);
      await listener.listen();
      const ticketId = newId();
      const options = subscribe.mock.calls[0][1];

      expect(options.concurrency).toBeGreaterThan(1);
      expect(options.orderingKey?.(createFakeMessage({ subject, data: makeData(ticketId) }))).toBe(ticketId);
      await listener.close();
      subscribe.mockRestore();
    },
  );
});
