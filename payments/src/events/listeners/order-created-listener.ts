import { OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { EventOutcome, Listener } from '@ticketing/common/events';
import { applyOrderCreated } from '../../domain/orders';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** An order was created: the replica gets it at version 0, with the price to charge (one insert-if-absent). */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  protected override concurrency = 8;

  async onMessage(data: OrderCreatedEvent['data']): Promise<EventOutcome> {
    return applyOrderCreated(data);
  }
}
