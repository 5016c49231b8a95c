import { TicketUpdatedEvent } from '@ticketing/common/contracts';
import { Ticket } from '../../../models/ticket';
import { natsWrapper } from '../../../nats-wrapper';
import { buildTicket, listenerHarness, newId, outboxEvents, useOrdersDatabase } from '../../../test/helpers';
import { TicketUpdatedListener } from '../ticket-updated-listener';

jest.mock('../../../nats-wrapper');

useOrdersDatabase();

const harness = () => listenerHarness((client) => new TicketUpdatedListener(client));

function update(id: string, version: number, overrides: Partial<TicketUpdatedEvent['data']> = {}): TicketUpdatedEvent['data'] {
  return { id, version, title: `title v${version}`, price: 100 + version, userId: newId(), ...overrides };
}

describe('TicketUpdatedListener', () => {
  it('when the next version arrives, then it finds, updates and saves the ticket at that version', async () => {
    const ticket = await buildTicket({ title: 'concert', price: 20 });
    const { deliver } = await harness();

    await deliver(update(ticket.id, 1, { title: 'new concert', price: 999 }));

    expect((await Ticket.findById(ticket.id))?.toJSON()).toEqual({ id: ticket.id, title: 'new concert', price: 999, version: 1 });
  });

  it('when the next version is applied, then the outcome is applied and the message acked', async () => {
    const ticket = await buildTicket();
    expect(await new TicketUpdatedListener(natsWrapper.client).onMessage(update(ticket.id, 1))).toBe('applied');
    const msg = await (await harness()).deliver(update(ticket.id, 2));
    expect(msg.ack).toHaveBeenCalledTimes(1);
  });

  it('when the event has a skipped version number, then it is early: not acked (nak with a delay), nothing changes', async () => {
    const ticket = await buildTicket({ price: 20 });
    const data = update(ticket.id, 3);
    expect(await new TicketUpdatedListener(natsWrapper.client).onMessage(data)).toBe('early');

    const msg = await (await harness()).deliver(data);

    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.nak).toHaveBeenCalledWith(expect.any(Number));
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 20, version: 0 });
  });

  it('when the update only changes fields the replica does not keep (same title and price), then the version still advances', async () => {
    const ticket = await buildTicket({ title: 'same', price: 20 });
    const msg = await (await harness()).deliver(update(ticket.id, 1, { title: 'same', price: 20, orderId: newId() }));
    expect(msg.ack).toHaveBeenCalled();
    expect((await Ticket.findById(ticket.id))?.version).toBe(1);
  });

  it.each([
    ['equal', 2],
    ['older', 1],
  ])('when an %s version arrives, then it is a duplicate, acked and ignored', async (_label, version) => {
    const ticket = await buildTicket({ version: 2, price: 20 });
    expect(await new TicketUpdatedListener(natsWrapper.client).onMessage(update(ticket.id, version))).toBe('duplicate');

    const msg = await (await harness()).deliver(update(ticket.id, version));

    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 20, version: 2 });
  });

  it('when an applied update is delivered again, then it is acked and not applied twice', async () => {
    const ticket = await buildTicket();
    const { deliver } = await harness();
    const data = update(ticket.id, 1);
    await deliver(data);

    const redelivery = await deliver(data, 2);

    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect((await Ticket.findById(ticket.id))?.version).toBe(1);
  });

  it('when the update is for a ticket not replicated yet, then it is unknown and not acked; once the ticket exists, it applies', async () => {
    const id = newId();
    const data = update(id, 1, { price: 55 });
    const { deliver } = await harness();
    expect(await new TicketUpdatedListener(natsWrapper.client).onMessage(data)).toBe('unknown');

    const early = await deliver(data);

    expect(early.ack).not.toHaveBeenCalled();
    expect(early.nak).toHaveBeenCalled();
    expect(await Ticket.exists({ _id: id })).toBeNull();

    await Ticket.insertReplicaIfAbsent({ id, title: 'created', price: 1, version: 0 });
    const redelivery = await deliver(data, 2);
    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect(await Ticket.findById(id)).toMatchObject({ price: 55, version: 1 });
  });

  it('when versions 1..5 arrive shuffled and the unacked ones are redelivered, then all end acked at version 5 with its price', async () => {
    const ticket = await buildTicket({ price: 1 });
    const { deliver } = await harness();
    const versions = [4, 2, 5, 1, 3];
    let pending = versions.map((version) => ({ data: update(ticket.id, version, { price: version * 10 }), deliveries: 0 }));
    const seen: number[] = [];

    // Each round redelivers what is still unacked, in the same shuffled order; 5 rounds always suffice.
    for (let round = 0; round < versions.length && pending.length > 0; round += 1) {
      const next: typeof pending = [];
      for (const item of pending) {
        item.deliveries += 1;
        const msg = await deliver(item.data, item.deliveries);
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

  it('when an early update is still early on its last delivery (30), then it is dead-lettered with the reason instead of vanishing', async () => {
    const ticket = await buildTicket();
    const { deliver, deadLetters } = await harness();

    const beforeLast = await deliver(update(ticket.id, 3), 29);
    expect(beforeLast.settlement).toBe('nak');
    expect(deadLetters).toEqual([]);

    const last = await deliver(update(ticket.id, 3), 30);

    expect(last.ack).not.toHaveBeenCalled();
    expect(last.settlement).toBe('term');
    expect(deadLetters).toEqual([
      expect.objectContaining({ queueGroup: 'orders-service', error: `version 3 of ${ticket.id} never followed version 2` }),
    ]);
  });

  it('when updates are applied, then no event is written', async () => {
    const ticket = await buildTicket();
    await (await harness()).deliver(update(ticket.id, 1));
    expect(await outboxEvents()).toEqual([]);
  });
});
