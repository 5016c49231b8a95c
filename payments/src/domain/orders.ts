import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import type { OutboxTransaction } from '@ticketing/common/outbox';
import { buildOrder, Order, OrderModel, toOrder } from '../models/order';
import { PaymentModel } from '../models/payment';

// The order replica: what payments knows of each order, fed by order:created and order:cancelled.

export async function findOrder(id: string): Promise<Order | null> {
  const fields = await OrderModel.findById(id).lean();
  return fields ? toOrder(fields) : null;
}

/** order:created: the replica at the event's version (0); a repeat is a duplicate. */
export async function applyOrderCreated(data: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const existing = await OrderModel.findById(data.id).session(tx.session).lean();
  if (existing) return 'duplicate';
  const order = buildOrder({ id: data.id, userId: data.userId, status: data.status, price: data.ticket.price, version: data.version });
  await order.save({ session: tx.session });
  return 'applied';
}

/**
 * order:cancelled: applied only at version == local + 1 (older or equal: duplicate; newer: early;
 * no replica: unknown). A succeeded payment of the order is marked for refund in the same transaction,
 * which also writes the order row, so it serialises with a payment being recorded (see recordSucceeded).
 */
export async function applyOrderCancelled(data: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const updated = await OrderModel.findOneAndUpdate(
    { _id: data.id, version: data.version - 1 },
    { $set: { status: OrderStatus.Cancelled, version: data.version } },
    { session: tx.session, new: true },
  ).lean();
  if (!updated) {
    const current = await OrderModel.findById(data.id).session(tx.session).lean();
    if (!current) return 'unknown';
    return current.version >= data.version ? 'duplicate' : 'early';
  }
  await PaymentModel.updateOne({ orderId: data.id, status: 'succeeded' }, { $set: { refundDue: true } }, { session: tx.session });
  return 'applied';
}
