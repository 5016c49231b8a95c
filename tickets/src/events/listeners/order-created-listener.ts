import { OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { EventOutcome, Listener } from '@ticketing/common/events';
import { reserveTicket } from '../../domain/reservations';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/**
 * An order was created: its ticket is reserved (orderId set, version + 1, ticket:updated). An order
 * for a ticket not here yet is 'unknown': it comes back later, and is dead-lettered if it never can be applied.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // Orders for different tickets at once; one ticket's orders one at a time (they change that ticket).
  protected override concurrency = 8;

  protected override orderingKey(data: OrderCreatedEvent['data']): string {
    return data.ticket.id;
  }

  onMessage(data: OrderCreatedEvent['data']): Promise<EventOutcome> {
    return reserveTicket(data);
  }
}
