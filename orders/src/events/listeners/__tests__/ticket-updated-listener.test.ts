import { Subjects, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { createFakeMessage, FakeEventMessage } from '@ticketing/testkit';
import { Ticket } from '../../../models/ticket';
import { natsWrapper } from '../../../nats-wrapper';
import { buildTicket, newId, outboxEvents, useOrdersDatabase } from '../../../test/helpers';
import { TicketUpdatedListener } from '../ticket-updated-listener';

jest.mock('../../../nats-wrapper');

useOrdersDatabase();

const listener = () => new TicketUpdatedListener(natsWrapper.client);

function update(id: string, version: number, overrides: Partial<TicketUpdatedEvent['data']> = {}): TicketUpdatedEvent['data'] {
  return { id, version, title: `title v${version}`, price: 100 + version, userId: newId(), ...overrides };
}

function message(data: TicketUpdatedEvent['data'], deliveryCount = 1): FakeEventMessage {
  return createFakeMessage({ subject: Subjects.TicketUpdated, data, deliveryCount });
}

describe('TicketUpdatedListener', () => {
  it('when the next version arrives, then it finds, updates and saves the ticket at that version', async () => {
    const ticket = await buildTicket({ title: 'concert', price: 20 });
    const data = update(ticket.id as string, 1, { title: 'new concert', price: 999 });

    await listener().onMessage(data, message(data));

    expect((await Ticket.findById(ticket.id))?.toJSON()).toEqual({ id: ticket.id, title: 'new concert', price: 999, version: 1 });
  });

  it('when the next version is applied, then it acks the message', async () => {
    const ticket = await buildTicket();
    const data = update(ticket.id as string, 1);
    const msg = message(data);
    await listener().onMessage(data, msg);
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the event has a skipped version number, then it does not ack and changes nothing', async () => {
    const ticket = await buildTicket({ price: 20 });
    const data = update(ticket.id as string, 3);
    const msg = message(data);

    await listener().onMessage(data, msg);

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.nak).toHaveBeenCalledWith(expect.any(Number));
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 20, version: 0 });
  });

  it('when the update only changes fields the replica does not keep (same title and price), then the version still advances', async () => {
    const ticket = await buildTicket({ title: 'same', price: 20 });
    const data = update(ticket.id as string, 1, { title: 'same', price: 20, orderId: newId() });
    const msg = message(data);
    await listener().onMessage(data, msg);
    expect(msg.ack).toHaveBeenCalled();
    expect((await Ticket.findById(ticket.id))?.version).toBe(1);
  });

  it.each([
    ['equal', 2],
    ['older', 1],
  ])('when an %s version arrives, then it is acked and ignored', async (_label, version) => {
    const ticket = await buildTicket({ version: 2, price: 20 });
    const data = update(ticket.id as string, version);
    const msg = message(data);

    await listener().onMessage(data, msg);

    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 20, version: 2 });
  });

  it('when an applied update is delivered again, then it is acked and not applied twice', async () => {
    const ticket = await buildTicket();
    const data = update(ticket.id as string, 1);
    await listener().onMessage(data, message(data));
    const redelivery = message(data, 2);

    await listener().onMessage(data, redelivery);

    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect((await Ticket.findById(ticket.id))?.version).toBe(1);
  });

  it('when the update is for a ticket not replicated yet, then it is not acked; once the ticket exists, it applies', async () => {
    const id = newId();
    const data = update(id, 1, { price: 55 });
    const early = message(data);

    await listener().onMessage(data, early);

    expect(early.ack).not.toHaveBeenCalled();
    expect(await Ticket.exists({ _id: id })).toBeNull();

    await Ticket.insertReplica({ id, title: 'created', price: 1, version: 0 });
    const redelivery = message(data, 2);
    await listener().onMessage(data, redelivery);
    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.findById(id)).toMatchObject({ price: 55, version: 1 });
  });

  it('when versions 1..5 arrive shuffled and the unacked ones are redelivered, then all end acked at version 5 with its price', async () => {
    const ticket = await buildTicket({ price: 1 });
    const versions = [4, 2, 5, 1, 3];
    let pending = versions.map((version) => ({ data: update(ticket.id as string, version, { price: version * 10 }), deliveries: 0 }));
    const seen: number[] = [];

    // Each round redelivers what is still unacked, in the same shuffled order; 5 rounds always suffice.
    for (let round = 0; round < versions.length && pending.length > 0; round += 1) {
      const next: typeof pending = [];
      for (const item of pending) {
        item.deliveries += 1;
        const msg = message(item.data, item.deliveries);
        await listener().onMessage(item.data, msg);
        seen.push(item.data.version);
        if (msg.settlement !== 'ack') next.push(item);
      }
      pending = next;
    }

    expect(pending).toEqual([]);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 50, version: 5 });
    // Something was early and had to come back: the shuffle was real.
    expect(seen.length).toBeGreaterThan(versions.length);
  });

  it('when an early update is still early on its last delivery, then it fails (the listener dead-letters it) instead of vanishing', async () => {
    const ticket = await buildTicket();
    const data = update(ticket.id as string, 3);
    const last = message(data, 30);
    await expect(listener().onMessage(data, last)).rejects.toThrow(
      `ticket ${ticket.id as string} version 3 never followed a replicated version 2`,
    );
    expect(last.ack).not.toHaveBeenCalled();
  });

  it('when updates are applied, then no event is written', async () => {
    const ticket = await buildTicket();
    const data = update(ticket.id as string, 1);
    await listener().onMessage(data, message(data));
    expect(await outboxEvents()).toEqual([]);
  });
});
