import { ConflictError } from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { Ticket } from '../../models/ticket';
import { newId, outboxRows, useOutbox } from '../../test/helpers';
import { createTicket, MAX_VERSION_RETRIES, updateTicket } from '../tickets';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();

afterEach(() => {
  jest.restoreAllMocks();
});

/** Makes the next `times` ticket saves fail as if another writer had saved first. */
function loseVersionRaces(times: number) {
  const realSave = Ticket.prototype.save;
  let lost = 0;
  return jest.spyOn(Ticket.prototype, 'save').mockImplementation(function save(
    this: InstanceType<typeof Ticket>,
    ...args: Parameters<typeof realSave>
  ) {
    if (lost < times) {
      lost += 1;
      return Promise.reject(new mongoose.Error.VersionError(this, this.version, ['price']));
    }
    return realSave.apply(this, args);
  } as typeof realSave);
}

describe('updateTicket and lost version races', () => {
  it('when a save loses with a VersionError, then the edit re-runs on the fresh ticket and is applied once', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'a', price: 1, userId });
    const save = loseVersionRaces(2);

    const updated = await updateTicket(ticket.id, userId, { title: 'b', price: 2 });

    expect(save).toHaveBeenCalledTimes(3);
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
