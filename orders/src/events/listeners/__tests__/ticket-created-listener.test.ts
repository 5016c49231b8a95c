import { Subjects, TicketCreatedEvent } from '@ticketing/common/contracts';
import { createFakeMessage, fakeNatsWrapper } from '@ticketing/testkit';
import { inbox } from '../../../database';
import { Ticket } from '../../../models/ticket';
import { natsWrapper } from '../../../nats-wrapper';
import { newId, outboxEvents, useOrdersDatabase } from '../../../test/helpers';
import { TicketCreatedListener } from '../ticket-created-listener';

jest.mock('../../../nats-wrapper');

useOrdersDatabase();

function setup(overrides: Partial<TicketCreatedEvent['data']> = {}) {
  const listener = new TicketCreatedListener(natsWrapper.client);
  const data: TicketCreatedEvent['data'] = { id: newId(), version: 0, title: 'concert', price: 10, userId: newId(), ...overrides };
  const message = () => createFakeMessage({ subject: Subjects.TicketCreated, data });
  return { listener, data, message };
}

describe('TicketCreatedListener', () => {
  it('when ticket:created arrives, then it creates and saves the replica ticket with the same id', async () => {
    const { listener, data, message } = setup();
    await listener.onMessage(data, message());

    const ticket = await Ticket.findById(data.id);
    expect(ticket?.toJSON()).toEqual({ id: data.id, title: 'concert', price: 10, version: 0 });
  });

  it('when ticket:created is handled, then it acks the message', async () => {
    const { listener, data, message } = setup();
    const msg = message();
    await listener.onMessage(data, msg);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the event carries a version other than 0, then the replica starts at that version', async () => {
    const { listener, data, message } = setup({ version: 2 });
    await listener.onMessage(data, message());
    expect((await Ticket.findById(data.id))?.version).toBe(2);
  });

  it('when ticket:created is delivered again, then it is acked without error and changes nothing', async () => {
    const { listener, data, message } = setup();
    await listener.onMessage(data, message());
    const redelivery = message();

    await expect(listener.onMessage({ ...data, title: 'changed', price: 99 }, redelivery)).resolves.toBeUndefined();

    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.countDocuments()).toBe(1);
    expect((await Ticket.findById(data.id))?.toJSON()).toEqual({ id: data.id, title: 'concert', price: 10, version: 0 });
  });

  it('when the ticket exists but the inbox has no record of the event, then it is acked and changes nothing', async () => {
    const { listener, data, message } = setup();
    await listener.onMessage(data, message());
    await inbox.model.deleteMany({});
    const again = message();

    await listener.onMessage({ ...data, price: 99 }, again);

    expect(again.ack).toHaveBeenCalledTimes(1);
    expect((await Ticket.findById(data.id))?.price).toBe(10);
  });

  it('when two copies of one event are handled at once, then both are acked and one ticket exists', async () => {
    const { listener, data, message } = setup();
    const copies = [message(), message(), message()];
    await Promise.all(copies.map((msg) => listener.onMessage(data, msg)));
    for (const msg of copies) expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.countDocuments()).toBe(1);
  });

  it('when a replica ticket is created, then no event is written (orders does not re-publish tickets)', async () => {
    const { listener, data, message } = setup();
    await listener.onMessage(data, message());
    expect(await outboxEvents()).toEqual([]);
  });

  it('when the listener is subscribed, then a delivery through the transport reaches it and is acked', async () => {
    const listener = new TicketCreatedListener(natsWrapper.client);
    await listener.listen();
    const data = { id: newId(), version: 0, title: 'play', price: 5, userId: newId() };
    try {
      const [msg] = await fakeNatsWrapper.client.deliver(Subjects.TicketCreated, data);
      expect(msg.ack).toHaveBeenCalled();
      expect(await Ticket.exists({ _id: data.id })).not.toBeNull();
    } finally {
      await listener.close();
    }
  });
});
