import { ConflictError } from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { Ticket } from '../../models/ticket';
import { outbox } from '../../outbox';
import { newId, outboxRows, useOutbox } from '../../test/helpers';
import { createTicket, MAX_VERSION_RETRIES, updateTicket } from '../tickets';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();

afterEach(() => {
  jest.restoreAllMocks();
});

/** Makes the next `times` conditional ticket writes match nothing, as if another writer had written first. */
function loseVersionRaces(times: number) {
  const collection = Ticket.collection;
  const realUpdateOne = collection.updateOne.bind(collection);
  let lost = 0;
  return jest.spyOn(collection, 'updateOne').mockImplementation(((...args: Parameters<typeof realUpdateOne>) => {
    if (lost < times) {
      lost += 1;
      return Promise.resolve({ acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null });
    }
    return realUpdateOne(...args);
  }) as typeof realUpdateOne);
}

describe('updateTicket and lost version races', () => {
  it('when the conditional write loses the version race, then the edit re-runs on the fresh ticket and is applied once', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    const write = loseVersionRaces(2);

    const updated = await updateTicket(ticket.id, userId, { title: 'b', price: 2 });

    expect(write).toHaveBeenCalledTimes(3);
    expect(updated).toMatchObject({ title: 'b', price: 2, version: 1 });
    expect((await outboxRows(ticket.id)).map((row) => row.aggregateVersion)).toEqual([0, 1]);
  });

  it('when every re-run loses too, then it gives up with a 409 ConflictError and changes nothing', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    loseVersionRaces(MAX_VERSION_RETRIES + 1);

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
    expect(await outbox.model.countDocuments()).toBe(0);
  });
});
