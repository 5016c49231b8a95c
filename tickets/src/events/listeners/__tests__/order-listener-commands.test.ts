import { useWatchedMongoose } from '@ticketing/testkit';
import { initCollections } from '../../../outbox';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';
import { deliver, existingTicket, orderCancelledData, orderCreatedData } from './support';

jest.mock('../../../nats-wrapper');

const { commands } = useWatchedMongoose(initCollections);

/** The commands of one delivery, without the fake transport's own. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  commands.length = 0;
  await run();
  return [...commands];
}

describe('order listeners, database commands', () => {
  it('when order:created reserves a ticket, then one command: the conditional ticket write, which appends its ticket:updated (no outbox insert, no transaction)', async () => {
    const ticket = await existingTicket();
    const created = orderCreatedData(ticket.id);

    expect(await commandsOf(() => deliver(OrderCreatedListener, created))).toEqual(['findAndModify tickets']);
  });

  it('when order:cancelled releases the ticket, then the same one command', async () => {
    const ticket = await existingTicket();
    const created = orderCreatedData(ticket.id);
    await deliver(OrderCreatedListener, created);

    expect(await commandsOf(() => deliver(OrderCancelledListener, orderCancelledData(created)))).toEqual(['findAndModify tickets']);
  });

  it('when an order:created is delivered again, then the write matches nothing and one read tells it is a duplicate: no event', async () => {
    const ticket = await existingTicket();
    const created = orderCreatedData(ticket.id);
    await deliver(OrderCreatedListener, created);

    expect(await commandsOf(() => deliver(OrderCreatedListener, created, 2))).toEqual(['findAndModify tickets', 'find tickets']);
  });
});
