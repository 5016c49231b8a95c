import { Subjects } from '@ticketing/common/contracts';
import { DeadLetterRecord, Transport } from '@ticketing/common/transport';
import { createFakeMessage, fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import { Ticket } from '../../../models/ticket';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import { newId, outboxRows, relayOutbox, useOutbox } from '../../../test/helpers';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';
import { existingTicket, orderCancelledData, orderCreatedData, reload } from './support';

jest.mock('../../../nats-wrapper');

useMongoose();
useOutbox();

function setup() {
  const listener = new OrderCreatedListener(natsWrapper.client);
  return {
    listener,
    message: (data: unknown, deliveryCount = 1) => createFakeMessage({ subject: Subjects.OrderCreated, data, deliveryCount }),
  };
}

describe('OrderCreatedListener', () => {
  it('when an order is created for a ticket, then the ticket gets the orderId and version + 1', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id as string);

    await listener.onMessage(data, message(data));

    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBe(data.id);
    expect(stored.version).toBe(1);
  });

  it('when the order is applied, then the message is acked', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id as string);
    const msg = message(data);

    await listener.onMessage(data, msg);

    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the ticket is reserved, then ticket:updated with the orderId is written and published', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id as string);

    await listener.onMessage(data, message(data));

    const expected = { id: ticket.id, version: 1, title: ticket.title, price: ticket.price, userId: ticket.userId, orderId: data.id };
    expect((await outboxRows(ticket.id as string)).map((row) => [row.subject, row.aggregateVersion])).toEqual([
      [Subjects.TicketCreated, 0],
      [Subjects.TicketUpdated, 1],
    ]);
    await relayOutbox();
    expect(fakeNatsWrapper.published(Subjects.TicketUpdated)).toEqual([
      { subject: Subjects.TicketUpdated, data: expected, msgId: `ticket:updated:${ticket.id}:1` },
    ]);
  });

  it('when the same order:created is delivered again, then nothing changes, no event is added, and it is acked', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id as string);
    await listener.onMessage(data, message(data));

    const again = message(data, 2);
    await listener.onMessage(data, again);

    expect(again.ack).toHaveBeenCalledTimes(1);
    expect((await reload(ticket.id as string)).version).toBe(1);
    expect(await outboxRows(ticket.id as string)).toHaveLength(2);
  });

  it('when the same order:created arrives after its inbox record is gone, then the reservation is still not repeated', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const data = orderCreatedData(ticket.id as string);
    await listener.onMessage(data, message(data));
    await inbox.model.deleteMany({});

    const again = message(data, 2);
    await listener.onMessage(data, again);

    expect(again.ack).toHaveBeenCalledTimes(1);
    expect((await reload(ticket.id as string)).version).toBe(1);
    expect(await outboxRows(ticket.id as string)).toHaveLength(2);
  });

  it('when the ticket is unknown, then the message is not acked and nothing is recorded', async () => {
    const { listener, message } = setup();
    const data = orderCreatedData(newId());
    const msg = message(data);

    await listener.onMessage(data, msg);

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.settlement).toBeUndefined();
    expect(await inbox.model.countDocuments()).toBe(0);
    expect(await outboxRows(data.ticket.id)).toEqual([]);
  });

  it('when the ticket arrives after a first unacked delivery, then the redelivery reserves it', async () => {
    const { listener, message } = setup();
    const ticketId = newId();
    const data = orderCreatedData(ticketId);
    const first = message(data, 1);
    await listener.onMessage(data, first);
    expect(first.ack).not.toHaveBeenCalled();

    // ticket:created is only now handled here (as the orders replica would see it, the ticket keeps its id).
    await new Ticket({ _id: ticketId, title: 'late', price: 5, userId: newId() }).save();
    const second = message(data, 2);
    await listener.onMessage(data, second);

    expect(second.ack).toHaveBeenCalledTimes(1);
    expect((await reload(ticketId)).toJSON()).toMatchObject({ orderId: data.id, version: 1 });
  });

  it('when the ticket stays unknown until the last delivery, then the event becomes a dead letter', async () => {
    let deliver: ((msg: ReturnType<typeof createFakeMessage>) => Promise<void>) | undefined;
    const recorded: DeadLetterRecord[] = [];
    const transport: Transport = {
      kind: 'test',
      publish: async () => ({ duplicate: false }),
      subscribe: async (subject, options, handler) => {
        deliver = handler;
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
    await deliver?.(early);
    expect(early.settlement).toBeUndefined();
    expect(recorded).toEqual([]);

    const last = createFakeMessage({ subject: Subjects.OrderCreated, data, deliveryCount: 10, sequence: 7 });
    await deliver?.(last);
    expect(last.term).toHaveBeenCalledTimes(1);
    expect(last.ack).not.toHaveBeenCalled();
    expect(recorded).toEqual([
      expect.objectContaining({ subject: Subjects.OrderCreated, data, queueGroup: 'tickets-service', streamSequence: 7 }),
    ]);
  });

  it('when order:cancelled was handled before this order:created, then the ticket is not reserved and the event is acked', async () => {
    const ticket = await existingTicket();
    const created = orderCreatedData(ticket.id as string);
    const cancelled = orderCancelledData(created.id, ticket.id as string);
    const cancelMsg = createFakeMessage({ subject: Subjects.OrderCancelled, data: cancelled });
    await new OrderCancelledListener(natsWrapper.client).onMessage(cancelled, cancelMsg);
    expect(cancelMsg.ack).toHaveBeenCalled();

    const { listener, message } = setup();
    const msg = message(created);
    await listener.onMessage(created, msg);

    expect(msg.ack).toHaveBeenCalledTimes(1);
    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBeUndefined();
    expect(stored.version).toBe(0);
    expect(await outboxRows(ticket.id as string)).toHaveLength(1);
  });

  it('when another order already holds the ticket, then the newer order takes it (the orders service decides who holds it)', async () => {
    const { listener, message } = setup();
    const ticket = await existingTicket();
    const first = orderCreatedData(ticket.id as string);
    const second = orderCreatedData(ticket.id as string);
    await listener.onMessage(first, message(first));

    await listener.onMessage(second, message(second));

    const stored = await reload(ticket.id as string);
    expect(stored.orderId).toBe(second.id);
    expect(stored.version).toBe(2);
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
      (ticketId: string) => orderCancelledData(newId(), ticketId),
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
