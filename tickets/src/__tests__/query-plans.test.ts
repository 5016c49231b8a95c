import { expectIndexed, explainFindAndModify, useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { Ticket } from '../models/ticket';
import { ticketEvents } from '../outbox';

jest.mock('../nats-wrapper');

useMongoose();

const { ObjectId } = mongoose.Types;

beforeAll(async () => {
  await Ticket.init();
  await ticketEvents.init();
});

beforeEach(async () => {
  // Enough documents that a scan would examine far more than a query returns.
  await Ticket.collection.insertMany(
    Array.from({ length: 300 }, (_, i) => ({
      title: `t${i}`,
      price: 1 + i,
      userId: new ObjectId().toHexString(),
      version: 0,
      ...(i % 3 === 0 ? { orderId: new ObjectId().toHexString() } : {}),
    })),
  );
});

describe('tickets: every query the service issues uses an index', () => {
  it('when GET /api/tickets reads a page after a cursor, then it is an index range', async () => {
    const [middle] = await Ticket.find({ orderId: null }).sort({ _id: 1 }).skip(100).limit(1).lean();
    expectIndexed(
      await Ticket.find({ orderId: null, _id: { $gt: middle._id } })
        .sort({ _id: 1 })
        .limit(51)
        .explain('executionStats'),
    );
  });

  it('when GET /api/tickets/:id reads a ticket, then it is an _id lookup', async () => {
    const [one] = await Ticket.find().limit(1).lean();
    expectIndexed(await Ticket.findById(one._id).explain('executionStats'));
  });

  it('when the outbox relay reads the tickets holding events, then it uses its partial index and examines only those', async () => {
    const pending = await Ticket.find().limit(5).lean();
    const event = ticketEvents.event('ticket:created', { id: 'x', version: 0 });
    await Ticket.collection.updateMany({ _id: { $in: pending.map((t) => t._id) } }, ticketEvents.withEvents({}, [event]));
    const explained = await Ticket.collection
      .find({ outboxPending: true })
      .sort({ outboxPending: 1, _id: 1 })
      .limit(200)
      .project({ outbox: 1 })
      .explain('executionStats');
    expectIndexed(explained, 0);
    expect(explained.executionStats.nReturned).toBe(5);
  });

  it('when an order listener writes a ticket on its reservation number, then it is an _id lookup', async () => {
    const [held] = await Ticket.find({ orderId: { $ne: null } })
      .limit(1)
      .lean();
    expectIndexed(
      await explainFindAndModify(
        Ticket,
        { _id: held._id, orderId: { $ne: null }, reservation: { $not: { $gte: 3 } } },
        { $unset: { orderId: 1 }, $set: { reservation: 2 }, $inc: { version: 1 } },
      ),
    );
  });
});
