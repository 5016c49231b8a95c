import { OrderCancelledEvent, Subjects } from '@ticketing/common/contracts';
import { EventOutcome, Listener } from '@ticketing/common/events';
import { releaseTicket } from '../../domain/reservations';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** An order was cancelled: its ticket is released if that order holds it (version + 1, ticket:updated). */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // Orders for different tickets at once; one ticket's orders one at a time (they change that ticket).
  protected override concurrency = 8;

  protected override orderingKey(data: OrderCancelledEvent['data']): string {
    return data.ticket.id;
  }

  onMessage(data: OrderCancelledEvent['data']): Promise<EventOutcome> {
    return releaseTicket(data);
  }
}
