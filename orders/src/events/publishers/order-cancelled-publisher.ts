import { OrderCancelledEvent, Publisher, Subjects } from '@ticketing/common';

/** Publish through an outbox transaction: `new OrderCancelledPublisher(tx).publish(data)`. */
export class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}
