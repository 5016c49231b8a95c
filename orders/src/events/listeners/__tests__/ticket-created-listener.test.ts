import { Subjects, TicketCreatedEvent } from '@ticketing/common/contracts';
import { fakeNatsWrapper } from '@ticketing/testkit';
import { Ticket } from '../../../models/ticket';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import { listenerHarness, newId, outboxEvents, useOrdersDatabase } from '../../../test/helpers';
import { TicketCreatedListener } from '../ticket-created-listener';

jest.mock('../../../nats-wrapper');

useOrdersDatabase();

async function setup(overrides: Partial<TicketCreatedEvent['data']> = {}) {
  const harness = await listenerHarness((client) => new TicketCreatedListener(client));
  const data: TicketCreatedEvent['data'] = { id: newId(), version: 0, title: 'concert', price: 10, userId: newId(), ...overrides };
  return { ...harness, data };
}

describe('TicketCreatedListener', () => {
  it('when ticket:created arrives, then it creates and saves the replica ticket with the same id', async () => {
    const { deliver, data } = await setup();
    await deliver(data);

    const ticket = await Ticket.findById(data.id);
    expect(ticket?.toJSON()).toEqual({ id: data.id, title: 'concert', price: 10, version: 0 });
  });

  it('when ticket:created is handled, then it is applied and the message acked', async () => {
    const listener = new TicketCreatedListener(natsWrapper.client);
    const { deliver, data } = await setup();
    expect(await listener.onMessage({ ...data, id: newId() })).toBe('applied');
    const msg = await deliver(data);
    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(msg.settlement).toBe('ack');
  });

  it('when the event carries a version other than 0, then the replica starts at that version', async () => {
    const { deliver, data } = await setup({ version: 2 });
    await deliver(data);
    expect((await Ticket.findById(data.id))?.version).toBe(2);
  });

  it('when ticket:created is delivered again, then it is a duplicate, acked, and changes nothing', async () => {
    const { deliver, data } = await setup();
    await deliver(data);

    expect(await new TicketCreatedListener(natsWrapper.client).onMessage({ ...data, title: 'changed', price: 99 })).toBe('duplicate');
    const redelivery = await deliver({ ...data, title: 'changed', price: 99 }, 2);

    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.countDocuments()).toBe(1);
    expect((await Ticket.findById(data.id))?.toJSON()).toEqual({ id: data.id, title: 'concert', price: 10, version: 0 });
  });

  it('when ticket:created is applied, then no inbox record is written (the replica itself says it was applied)', async () => {
    const { deliver, data } = await setup();
    await deliver(data);
    expect(await inbox.model.countDocuments()).toBe(0);
  });

  it('when ticket:created arrives after the replica has moved on (a late redelivery), then it is a duplicate and changes nothing', async () => {
    const { deliver, data } = await setup();
    await deliver(data);
    await Ticket.applyNextVersion({ id: data.id, title: 'renamed', price: 12, version: 1 });

    const again = await deliver({ ...data, price: 99 }, 2);

    expect(again.ack).toHaveBeenCalledTimes(1);
    expect((await Ticket.findById(data.id))?.toJSON()).toEqual({ id: data.id, title: 'renamed', price: 12, version: 1 });
  });

  it('when two copies of one event are handled at once, then both are acked and one ticket exists', async () => {
    const { deliver, data } = await setup();
    const copies = await Promise.all([deliver(data), deliver(data), deliver(data)]);
    for (const msg of copies) expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.countDocuments()).toBe(1);
  });

  it('when a replica ticket is created, then no event is written (orders does not re-publish tickets)', async () => {
    const { deliver, data } = await setup();
    await deliver(data);
    expect(await outboxEvents()).toEqual([]);
  });

  it("when the listener is subscribed on the service's wrapper, then a delivery through the transport reaches it and is acked", async () => {
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
