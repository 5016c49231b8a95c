import { OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';

/** Publish through an outbox transaction: `new OrderCreatedPublisher(tx).publish(data)`. */
export class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}
