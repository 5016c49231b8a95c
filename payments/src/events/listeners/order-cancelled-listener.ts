import { OrderCancelledEvent, Subjects } from '@ticketing/common/contracts';
import { EventOutcome, Listener, ListenerOptions } from '@ticketing/common/events';
import type { Transport } from '@ticketing/common/transport';
import { applyOrderCancelled } from '../../domain/orders';
import { refundIfDue } from '../../domain/payments';
import type { PaymentProvider } from '../../stripe-provider';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/**
 * An order was cancelled (by its buyer, or expired): the replica is cancelled, so it can no longer be
 * paid, and a payment that already succeeded is refunded. The refund runs after the commit; if it
 * fails the event comes back (the version check calls it a duplicate, the refund is retried), and the
 * reconciliation job retries it too.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  protected override concurrency = 8;

  constructor(
    client: Transport,
    private readonly provider: PaymentProvider,
    options: ListenerOptions = {},
  ) {
    super(client, options);
  }

  async onMessage(data: OrderCancelledEvent['data']): Promise<EventOutcome> {
    const outcome = await applyOrderCancelled(data);
    if (outcome === 'applied' || outcome === 'duplicate') {
      const refunded = await refundIfDue(data.id, this.provider);
      if (refunded) this.logger.info({ orderId: data.id, paymentId: refunded.id }, 'Refunded the payment of a cancelled order');
    }
    return outcome;
  }
}
