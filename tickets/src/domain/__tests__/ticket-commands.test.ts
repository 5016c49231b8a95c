import { useWatchedMongoose } from '@ticketing/testkit';
import { newId } from '../../test/helpers';
import { initCollections } from '../../outbox';
import { createTicket, updateTicket } from '../tickets';

jest.mock('../../nats-wrapper');

const { commands } = useWatchedMongoose(initCollections);

/** The database commands `run` sends. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  commands.length = 0;
  await run();
  return [...commands];
}

describe('ticket writes, database commands', () => {
  it('when a ticket is created, then one command: the insert, which carries its ticket:created (no outbox insert, no transaction)', async () => {
    expect(await commandsOf(() => createTicket({ title: 'gig', price: 10, userId: newId() }))).toEqual(['insert tickets']);
  });

  it('when the owner edits a ticket, then one command: the conditional findAndModify, which appends its ticket:updated', async () => {
    const userId = newId();
    const ticket = await createTicket({ title: 'gig', price: 10, userId });

    expect(await commandsOf(() => updateTicket(ticket.id, userId, { title: 'gig 2', price: 11 }))).toEqual(['findAndModify tickets']);
  });

  it('when someone else tries to edit it, then the write matches nothing and one read tells why', async () => {
    const ticket = await createTicket({ title: 'gig', price: 10, userId: newId() });

    expect(await commandsOf(() => updateTicket(ticket.id, newId(), { title: 'x', price: 1 }).catch(() => undefined))).toEqual([
      'findAndModify tickets',
      'find tickets',
    ]);
  });
});
