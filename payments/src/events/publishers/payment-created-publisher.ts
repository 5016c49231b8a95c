import { PaymentCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';

export class PaymentCreatedPublisher extends Publisher<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
}
