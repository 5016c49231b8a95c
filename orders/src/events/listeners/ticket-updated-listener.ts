import { Subjects, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { EventOutcome, Listener } from '@ticketing/common/events';
import { applyTicketUpdated } from '../../domain/ticket-replica';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/**
 * Applies ticket updates to the replica in version order (never to an order: orders keep their
 * snapshot). The next version is applied, an older or equal one ignored (both acknowledged); a newer
 * one, or one for a ticket not replicated yet, comes back later through the base class (nak with a
 * growing delay, a dead letter on the last delivery).
 */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // An early event may wait for its predecessor on another consumer (ticket:created): about 50 s.
  protected override maxDeliver = 30;
  // Different tickets at once; one ticket's versions one at a time, so they rarely arrive early.
  protected override concurrency = 8;

  onMessage(data: TicketUpdatedEvent['data']): Promise<EventOutcome> {
    return applyTicketUpdated(data);
  }
}
