import { OrderStatus } from '@ticketing/common/contracts';
import { expectIndexed, useMongoose } from '@ticketing/testkit';
import { Types } from 'mongoose';
import { OrderModel } from '../models/order';
import { PaymentModel } from '../models/payment';
import { inbox, outbox } from '../outbox';

jest.mock('../nats-wrapper');

useMongoose();

beforeAll(async () => {
  await Promise.all([outbox.init(), inbox.init(), OrderModel.init(), PaymentModel.init()]);
});

beforeEach(async () => {
  await PaymentModel.collection.insertMany(
    Array.from({ length: 200 }, (_, i) => ({
      orderId: new Types.ObjectId().toHexString(),
      userId: new Types.ObjectId().toHexString(),
      attempt: 1,
      amount: 100,
      currency: 'usd',
      status: i % 4 === 0 ? 'pending' : 'succeeded',
      claimedAt: new Date(Date.now() - i * 1000),
      ...(i % 50 === 1 ? { refundDue: true } : {}),
    })),
  );
});

describe('payments: every query the service issues uses an index', () => {
  it('when a payment, a claim or a refund reads by order, then it uses the orderId index', async () => {
    const orderId = new Types.ObjectId().toHexString();
    expectIndexed(await PaymentModel.find({ orderId, status: 'succeeded', refundDue: true }).explain('executionStats'));
    expectIndexed(await PaymentModel.find({ orderId, userId: 'u', status: { $in: ['succeeded', 'refunded'] } }).explain('executionStats'));
  });

  it('when the reconciliation job looks for refunds due and stale claims, then each is indexed', async () => {
    expectIndexed(await PaymentModel.find({ refundDue: true, status: 'succeeded' }).limit(100).explain('executionStats'));
    expectIndexed(await PaymentModel.find({ status: 'pending' }).sort({ claimedAt: 1 }).limit(100).explain('executionStats'));
  });

  it('when the order replica is read or applied, then it is an _id lookup', async () => {
    await OrderModel.create({ _id: new Types.ObjectId().toHexString(), userId: 'u', status: OrderStatus.Created, price: 1, version: 0 });
    expectIndexed(await OrderModel.findById(new Types.ObjectId().toHexString()).explain('executionStats'));
  });
});
