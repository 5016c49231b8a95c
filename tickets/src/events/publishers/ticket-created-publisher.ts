import { Subjects, TicketCreatedEvent } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';

export class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}
