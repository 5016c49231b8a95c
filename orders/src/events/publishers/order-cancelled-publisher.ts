import { OrderCancelledEvent, Subjects } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';

/** Publish through an outbox transaction: `new OrderCancelledPublisher(tx).publish(data)`. */
export class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}
