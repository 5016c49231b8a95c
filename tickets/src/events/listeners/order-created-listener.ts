import { OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { EventMessage } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';
import { inbox } from '../../outbox';
import { reserveTicket, retryOnVersionError, UnknownTicketError } from '../../services/tickets';
import { queueGroupName } from './queue-group-name';

/** An order was created: its ticket is reserved (orderId set, version + 1, ticket:updated). */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroupName;
  // Orders for different tickets at once; one ticket's orders one at a time (they change that ticket).
  protected override concurrency = 8;

  protected override orderingKey(data: OrderCreatedEvent['data']): string {
    return data.ticket.id;
  }

  async onMessage(data: OrderCreatedEvent['data'], msg: EventMessage): Promise<void> {
    try {
      // A redelivered event is a 'duplicate' and changes nothing; either way it is done.
      await retryOnVersionError(() =>
        inbox.handleOnce(this.queueGroupName, this.subject, data, (tx) => reserveTicket(data, tx).then(() => undefined)),
      );
    } catch (error) {
      if (!(error instanceof UnknownTicketError)) throw error;
      // The ticket may not have reached this service yet: leave the event unacknowledged so it comes
      // back; on its last delivery the base class records it as a dead letter.
      this.logger.warn(
        { orderId: data.id, ticketId: data.ticket.id, deliveryCount: msg.deliveryCount },
        'order:created for an unknown ticket; will retry',
      );
      return;
    }
    msg.ack();
  }
}
