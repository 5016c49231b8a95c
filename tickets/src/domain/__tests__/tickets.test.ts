import { ConflictError } from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { Ticket } from '../../models/ticket';
import { newId, outboxRows, pendingEventCount, useOutbox } from '../../test/helpers';
import { createTicket, updateTicket } from '../tickets';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();

afterEach(() => {
  jest.restoreAllMocks();
});

/** Makes the next `times` ticket writes match nothing, as if the ticket had not met their conditions when they ran. */
function missWrites(times: number) {
  const collection = Ticket.collection;
  const real = collection.findOneAndUpdate.bind(collection);
  let missed = 0;
  return jest.spyOn(collection, 'findOneAndUpdate').mockImplementation(((...args: Parameters<typeof real>) => {
    if (missed < times) {
      missed += 1;
      return Promise.resolve(null);
    }
    return real(...args);
  }) as typeof real);
}

describe('updateTicket writes', () => {
  afterEach(() => jest.restoreAllMocks());

  it('when the owner edits, then it is one write (the ticket and its ticket:updated), with no read before it', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    const write = jest.spyOn(Ticket.collection, 'findOneAndUpdate');
    const read = jest.spyOn(Ticket.collection, 'findOne');

    const updated = await updateTicket(ticket.id, userId, { title: 'b', price: 2 });

    expect(write).toHaveBeenCalledTimes(1);
    expect(read).not.toHaveBeenCalled();
    expect(updated).toMatchObject({ title: 'b', price: 2, version: 1 });
    expect((await outboxRows(ticket.id)).map((row) => [row.aggregateVersion, row.data])).toEqual([
      [0, { id: ticket.id, version: 0, title: 'a', price: 1, userId }],
      [1, { id: ticket.id, version: 1, title: 'b', price: 2, userId }],
    ]);
  });

  it('when the write misses but the read after it finds the ticket editable (released in between), then it writes again and applies once', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    const write = missWrites(1);

    const updated = await updateTicket(ticket.id, userId, { title: 'b', price: 2 });

    expect(write).toHaveBeenCalledTimes(2);
    expect(updated).toMatchObject({ title: 'b', price: 2, version: 1 });
    expect((await outboxRows(ticket.id)).map((row) => row.aggregateVersion)).toEqual([0, 1]);
  });

  it('when every write misses although the ticket looks editable, then it gives up with a 409 ConflictError and changes nothing', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    missWrites(2);

    const failure = updateTicket(ticket.id, userId, { title: 'b', price: 2 });

    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    await expect(failure).rejects.toMatchObject({ statusCode: 409 });
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ title: 'a', price: 1, version: 0 });
    expect(await outboxRows(ticket.id)).toHaveLength(1);
  });
});

describe('updateTicket', () => {
  it("when the changes break the schema's rules (a negative price), then it fails with a ValidationError and changes nothing", async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });

    await expect(updateTicket(ticket.id, userId, { title: 'b', price: -5 })).rejects.toBeInstanceOf(mongoose.Error.ValidationError);

    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ title: 'a', price: 1, version: 0 });
    expect(await outboxRows(ticket.id)).toHaveLength(1);
  });
});

describe('createTicket', () => {
  it('when a ticket is created, then the stored row, the returned ticket and its ticket:created agree', async () => {
    const userId = newId();

    const ticket = await createTicket({ title: 'gig', price: 12.5, userId });

    expect(ticket).toEqual({ id: expect.any(String) as string, title: 'gig', price: 12.5, userId, version: 0 });
    expect(await Ticket.collection.findOne({ _id: new mongoose.Types.ObjectId(ticket.id) })).toEqual({
      _id: new mongoose.Types.ObjectId(ticket.id),
      title: 'gig',
      price: 12.5,
      userId,
      version: 0,
      // Its ticket:created, written with it (one insert) and kept until the relay published it.
      outbox: [expect.objectContaining({ subject: 'ticket:created', msgId: `ticket:created:${ticket.id}:0`, attempts: 0 })],
      outboxPending: true,
    });
    const rows = await outboxRows(ticket.id);
    expect(rows.map((row) => [row.subject, row.data])).toEqual([
      ['ticket:created', { id: ticket.id, version: 0, title: 'gig', price: 12.5, userId }],
    ]);
  });

  it("when the attributes break the schema's rules (a negative price), then it fails with a ValidationError and stores nothing", async () => {
    const userId = newId();

    await expect(createTicket({ title: 'gig', price: -1, userId })).rejects.toBeInstanceOf(mongoose.Error.ValidationError);

    expect(await Ticket.countDocuments({ userId })).toBe(0);
    expect(await pendingEventCount()).toBe(0);
  });
});
