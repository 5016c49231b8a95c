import { OrderCancelledEvent, Subjects } from '@ticketing/common/contracts';
import { EventMessage } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';
import { inbox } from '../../outbox';
import { releaseTicket, retryOnVersionError, UnknownTicketError } from '../../services/tickets';
import { queueGroupName } from './queue-group-name';

/** An order was cancelled: its ticket is released if that order holds it (version + 1, ticket:updated). */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = queueGroupName;
  // Orders for different tickets at once; one ticket's orders one at a time (they change that ticket).
  protected override concurrency = 8;

  protected override orderingKey(data: OrderCancelledEvent['data']): string {
    return data.ticket.id;
  }

  async onMessage(data: OrderCancelledEvent['data'], msg: EventMessage): Promise<void> {
    try {
      await retryOnVersionError(() =>
        inbox.handleOnce(this.queueGroupName, this.subject, data, (tx) => releaseTicket(data, tx).then(() => undefined)),
      );
    } catch (error) {
      if (!(error instanceof UnknownTicketError)) throw error;
      this.logger.warn(
        { orderId: data.id, ticketId: data.ticket.id, deliveryCount: msg.deliveryCount },
        'order:cancelled for an unknown ticket; will retry',
      );
      return;
    }
    msg.ack();
  }
}
