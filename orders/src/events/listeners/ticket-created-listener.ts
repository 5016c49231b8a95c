import { Subjects, TicketCreatedEvent } from '@ticketing/common/contracts';
import { EventOutcome, Listener, ListenerOptions } from '@ticketing/common/events';
import { Inbox } from '@ticketing/common/outbox';
import { Transport } from '@ticketing/common/transport';
import { applyTicketCreated } from '../../domain/ticket-replica';
import { inbox as defaultInbox } from '../../outbox';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** Adds a ticket to the replica. A redelivery (or a second copy) changes nothing and is acknowledged. */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // Different tickets are applied at once (one ticket's events still one at a time): one by one, the
  // replica fell behind a burst of writes, each event waiting on the previous one's round trips.
  protected override concurrency = 8;
  private readonly inbox: Inbox;

  constructor(client: Transport, options: ListenerOptions & { inbox?: Inbox } = {}) {
    super(client, options);
    this.inbox = options.inbox ?? defaultInbox;
  }

  onMessage(data: TicketCreatedEvent['data']): Promise<EventOutcome> {
    return applyTicketCreated(this.inbox, data);
  }
}
