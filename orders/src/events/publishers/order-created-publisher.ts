import { OrderCreatedEvent, Publisher, Subjects } from '@ticketing/common';

/** Publish through an outbox transaction: `new OrderCreatedPublisher(tx).publish(data)`. */
export class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}
