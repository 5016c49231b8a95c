import { Subjects, TicketCreatedEvent } from '@ticketing/common/contracts';
import { EventOutcome, Listener } from '@ticketing/common/events';
import { applyTicketCreated } from '../../domain/ticket-replica';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** Adds a ticket to the replica. A redelivery (or a second copy) changes nothing and is acknowledged. */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // Different tickets are applied at once (one ticket's events still one at a time): one by one, the
  // replica fell behind a burst of writes, each event waiting on the previous one's round trips.
  protected override concurrency = 8;

  onMessage(data: TicketCreatedEvent['data']): Promise<EventOutcome> {
    return applyTicketCreated(data);
  }
}
