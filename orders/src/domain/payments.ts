import type { Logger } from '@ticketing/common/core';
import { OrderStatus, PaymentCreatedEvent, Subjects } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { Inbox } from '@ticketing/common/outbox';
import { QUEUE_GROUP_NAME } from '../events/queue-group-name';
import { Order } from '../models/order';

/** Thrown inside the inbox transaction so the inbox record is rolled back with it. */
class UnknownOrderError extends Error {}

/**
 * Completes the paid order: `complete`, version + 1 (a versioned change like any other), in the
 * transaction of the inbox record, so a redelivery changes nothing. No event: the contract has no
 * `order:completed`, and payments, who caused it, needs none. The ticket stays reserved for good.
 * - an order this service does not know (yet) → 'unknown' (comes back, dead letter at the end);
 * - a cancelled order is never completed: acknowledged, unchanged, logged at warn (payments refunds);
 * - an order already complete (another payment) is acknowledged and unchanged.
 */
export async function completeOrder(inbox: Inbox, data: PaymentCreatedEvent['data'], logger: Pick<Logger, 'warn'>): Promise<EventOutcome> {
  const state = { changed: false };
  try {
    const result = await inbox.handleOnce(QUEUE_GROUP_NAME, Subjects.PaymentCreated, data, async (tx) => {
      state.changed = false;
      const order = await Order.findById(data.orderId).session(tx.session);
      if (!order) throw new UnknownOrderError();
      if (order.status === OrderStatus.Cancelled || order.status === OrderStatus.Complete) {
        logger.warn(
          { orderId: data.orderId, paymentId: data.id, stripeId: data.stripeId, status: order.status },
          `Payment for a ${order.status} order left it unchanged`,
        );
        return;
      }
      order.status = OrderStatus.Complete;
      await order.save({ session: tx.session });
      state.changed = true;
    });
    return result === 'applied' && state.changed ? 'applied' : 'duplicate';
  } catch (err) {
    if (err instanceof UnknownOrderError) return 'unknown';
    throw err;
  }
}
