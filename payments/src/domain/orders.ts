import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { isDuplicateKeyError } from '@ticketing/common/http';
import { Order, OrderModel, orderReplicas, toOrder } from '../models/order';
import { PaymentModel } from '../models/payment';
import { outbox } from '../outbox';

// The order replica: what payments knows of each order, fed by order:created and order:cancelled.

export async function findOrder(id: string): Promise<Order | null> {
  const fields = await OrderModel.findById(id).lean();
  return fields ? toOrder(fields) : null;
}

/**
 * order:created: the replica at the event's version (0), inserted if absent with one write and no
 * transaction (the replica is versioned, so it needs no inbox record); a repeat is a duplicate.
 */
export async function applyOrderCreated(data: OrderCreatedEvent['data']): Promise<EventOutcome> {
  try {
    // Through the driver: the data was checked against the contract when it was parsed (status one of
    // the order statuses, price a finite number >= 0), which is every rule mongoose's update validators
    // would check again, at about twice the CPU of the write.
    const result = await orderReplicas().updateOne(
      { _id: data.id },
      {
        $setOnInsert: {
          userId: data.userId,
          status: data.status,
          price: data.ticket.price,
          version: data.version,
          paymentAttempts: 0,
        },
      },
      { upsert: true },
    );
    return result.upsertedCount === 1 ? 'applied' : 'duplicate';
  } catch (err) {
    // Two deliveries of the same event inserted at once: the other one won.
    if (isDuplicateKeyError(err)) return 'duplicate';
    throw err;
  }
}

/**
 * order:cancelled: applied only at version == local + 1 (older or equal: duplicate; newer: early;
 * no replica: unknown); the version check is what makes a redelivery change nothing, so there is no
 * inbox record. A succeeded payment of the order is marked for refund in the same transaction, which
 * also writes the order row, so it serialises with a payment being recorded (see recordSucceeded).
 */
export function applyOrderCancelled(data: OrderCancelledEvent['data']): Promise<EventOutcome> {
  return outbox.transaction(async (tx): Promise<EventOutcome> => {
    const updated = await OrderModel.findOneAndUpdate(
      { _id: data.id, version: data.version - 1 },
      { $set: { status: OrderStatus.Cancelled, version: data.version } },
      { session: tx.session, new: true },
    ).lean();
    if (!updated) {
      const current = await OrderModel.findById(data.id).select({ version: 1 }).session(tx.session).lean();
      if (!current) return 'unknown';
      return current.version >= data.version ? 'duplicate' : 'early';
    }
    await PaymentModel.updateOne({ orderId: data.id, status: 'succeeded' }, { $set: { refundDue: true } }, { session: tx.session });
    return 'applied';
  });
}
