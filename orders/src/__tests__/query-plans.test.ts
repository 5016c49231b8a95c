import { expectIndexed, explainFindAndModify, planStages, type ExplainOutput } from '@ticketing/testkit';
import { OrderStatus } from '@ticketing/common/contracts';
import { Types } from 'mongoose';
import { activeOrderExpiries, Order } from '../models/order';
import { Ticket } from '../models/ticket';
import { UserOrderGate } from '../models/user-order-gate';
import { inbox, outbox } from '../outbox';
import { useOrdersDatabase } from '../test/helpers';

jest.mock('../nats-wrapper');

useOrdersDatabase();

const buyer = new Types.ObjectId().toHexString();

beforeEach(async () => {
  const now = Date.now();
  await Order.collection.insertMany(
    Array.from({ length: 300 }, (_, i) => ({
      userId: i % 30 === 0 ? buyer : new Types.ObjectId().toHexString(),
      status: i % 3 === 0 ? OrderStatus.Created : OrderStatus.Cancelled,
      active: i % 3 === 0,
      expiresAt: new Date(now + (i % 2 === 0 ? -1 : 1) * 60_000),
      version: 0,
      ticket: { id: new Types.ObjectId().toHexString(), title: 't', price: 1, version: 0 },
    })),
  );
});

describe('orders: every query the service issues uses an index', () => {
  it("when GET /api/orders reads a page of a buyer's orders, then it is an index range", async () => {
    expectIndexed(await Order.find({ userId: buyer }).sort({ _id: 1 }).limit(51).explain('executionStats'));
  });

  it('when GET /api/orders/:id and a cancel read an order, then it is an _id lookup', async () => {
    expectIndexed(await Order.findById(new Types.ObjectId()).explain('executionStats'));
  });

  it("when a placement counts the buyer's active orders, then only the buyer's orders are examined", async () => {
    // The buyer's 10 orders (every 30th) are all `created` and expired a minute ago.
    expect(await activeOrderExpiries(buyer, new Date())).toEqual([]);
    const now = new Date();
    const explained = await Order.find({
      userId: buyer,
      $or: [{ status: OrderStatus.Created, expiresAt: { $gt: now } }, { status: OrderStatus.AwaitingPayment }],
    }).explain('executionStats');
    // The buyer has 10 orders: the userId prefix bounds the scan, whatever the statuses.
    expect(planStages((explained as unknown as ExplainOutput).queryPlanner.winningPlan)).not.toContain('COLLSCAN');
    expect((explained as unknown as ExplainOutput).executionStats.totalDocsExamined).toBeLessThanOrEqual(10);
  });

  it('when the expiry sweeper looks for due orders, then it uses {status, expiresAt}', async () => {
    expectIndexed(
      await Order.find({ status: OrderStatus.Created, expiresAt: { $lte: new Date() } })
        .sort({ expiresAt: 1 })
        .limit(100)
        .select({ _id: 1 })
        .explain('executionStats'),
    );
  });

  it('when a placement numbers its order on the replica and passes the gate, and the relay and inbox read their rows, then each is indexed', async () => {
    expectIndexed(await explainFindAndModify(Ticket, { _id: new Types.ObjectId() }, { $inc: { reservations: 1 } }));
    expectIndexed(await UserOrderGate.findById(buyer).explain('executionStats'));
    expectIndexed(await inbox.model.findById('orders-service|payment:created:x:0').explain('executionStats'));
    expectIndexed(await outbox.model.find({ publishedAt: null }).sort({ aggregateId: 1, aggregateVersion: 1 }).explain('executionStats'));
  });
});
