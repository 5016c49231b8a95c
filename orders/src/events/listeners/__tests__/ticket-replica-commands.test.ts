import { TicketUpdatedEvent } from '@ticketing/common/contracts';
import { Ticket } from '../../../models/ticket';
import { listenerHarness, newId, useWatchedOrdersDatabase } from '../../../test/helpers';
import { TicketCreatedListener } from '../ticket-created-listener';
import { TicketUpdatedListener } from '../ticket-updated-listener';

jest.mock('../../../nats-wrapper');

const { commands } = useWatchedOrdersDatabase();

const WRITES = /^(insert|update|delete|findAndModify) /;
const TRANSACTIONS = /^(commitTransaction|abortTransaction) /;

function created(id = newId()) {
  return { id, version: 0, title: 'concert', price: 10, userId: newId() };
}

function updated(id: string, version: number): TicketUpdatedEvent['data'] {
  return { id, version, title: `v${version}`, price: 10 + version, userId: newId() };
}

/** Delivers `data` and returns the settlement and the commands it sent. */
async function sent<D>(deliver: (data: D, count?: number) => Promise<{ settlement?: string }>, data: D, count = 1) {
  commands.length = 0;
  const msg = await deliver(data, count);
  return { settlement: msg.settlement, commands: [...commands] };
}

describe("orders' ticket replica: one conditional write per event, no inbox, no transaction", () => {
  it('when ticket:created is applied, then exactly one write (an insert-if-absent upsert) and no transaction', async () => {
    const { deliver } = await listenerHarness((client) => new TicketCreatedListener(client));
    const result = await sent(deliver, created());
    expect(result.settlement).toBe('ack');
    expect(result.commands).toEqual(['update tickets']);
  });

  it('when ticket:created is redelivered, then it is a duplicate, acked, and the replica is unchanged', async () => {
    const { deliver } = await listenerHarness((client) => new TicketCreatedListener(client));
    const data = created();
    await deliver(data);
    const again = await sent(deliver, { ...data, price: 99 }, 2);
    expect(again.settlement).toBe('ack');
    expect(again.commands.filter((c) => TRANSACTIONS.test(c))).toEqual([]);
    expect((await Ticket.findById(data.id).lean())?.price).toBe(10);
  });

  it('when the next ticket:updated is applied, then exactly one write (the conditional update) and no transaction', async () => {
    const ticket = created();
    await Ticket.insertReplicaIfAbsent(ticket);
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    const result = await sent(deliver, updated(ticket.id, 1));
    expect(result.settlement).toBe('ack');
    expect(result.commands).toEqual(['update tickets']);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ title: 'v1', version: 1 });
  });

  it('when an applied ticket:updated is redelivered, then it is a duplicate: acked, one write attempt and one read, nothing changed', async () => {
    const ticket = created();
    await Ticket.insertReplicaIfAbsent(ticket);
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    await deliver(updated(ticket.id, 1));
    const again = await sent(deliver, { ...updated(ticket.id, 1), price: 500 }, 2);
    expect(again.settlement).toBe('ack');
    expect(again.commands).toEqual(['update tickets', 'find tickets']);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ price: 11, version: 1 });
  });

  it('when v3 arrives before v2, then v3 is early (nak, nothing changed), and after v2 the redelivered v3 applies', async () => {
    const ticket = created();
    await Ticket.insertReplicaIfAbsent(ticket);
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    await deliver(updated(ticket.id, 1));

    const early = await sent(deliver, updated(ticket.id, 3));
    expect(early.settlement).toBe('nak');
    expect(early.commands.filter((c) => WRITES.test(c) || TRANSACTIONS.test(c))).toEqual(['update tickets']);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ title: 'v1', version: 1 });

    expect((await sent(deliver, updated(ticket.id, 2))).settlement).toBe('ack');
    const late = await sent(deliver, updated(ticket.id, 3), 2);
    expect(late.settlement).toBe('ack');
    expect(late.commands).toEqual(['update tickets']);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ title: 'v3', price: 13, version: 3 });
  });

  it('when ticket:updated names a ticket not replicated yet, then it is unknown (nak) after one write attempt and one read', async () => {
    const { deliver } = await listenerHarness((client) => new TicketUpdatedListener(client));
    const result = await sent(deliver, updated(newId(), 1));
    expect(result.settlement).toBe('nak');
    expect(result.commands).toEqual(['update tickets', 'find tickets']);
  });
});
