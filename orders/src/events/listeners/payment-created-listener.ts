import { PaymentCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { EventOutcome, Listener, ListenerOptions } from '@ticketing/common/events';
import { Inbox } from '@ticketing/common/outbox';
import { Transport } from '@ticketing/common/transport';
import { completeOrder } from '../../domain/payments';
import { inbox as defaultInbox } from '../../outbox';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/**
 * Marks a paid order `complete` (version + 1, no event). A redelivery changes nothing; a payment for
 * an order not known yet comes back (nak, then a dead letter); one for a cancelled order is
 * acknowledged and changes nothing (payments refunds it).
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  private readonly inbox: Inbox;

  constructor(client: Transport, options: ListenerOptions & { inbox?: Inbox } = {}) {
    super(client, options);
    this.inbox = options.inbox ?? defaultInbox;
  }

  onMessage(data: PaymentCreatedEvent['data']): Promise<EventOutcome> {
    return completeOrder(this.inbox, data, this.logger);
  }
}
