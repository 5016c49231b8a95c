import { Subjects, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';

export class TicketUpdatedPublisher extends Publisher<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
}
