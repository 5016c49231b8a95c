import { Subjects, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { EventMessage, Transport } from '@ticketing/common/transport';
import { Listener, ListenerOptions } from '@ticketing/common/events';
import { Inbox } from '@ticketing/common/outbox';
import { inbox as defaultInbox } from '../../database';
import { applyTicketUpdated } from '../../services/ticket-replica';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** Redelivery delay for an early event: grows with each delivery, up to 2 s. */
export function earlyEventDelayMs(deliveryCount: number): number {
  return Math.min(200 * deliveryCount, 2_000);
}

/**
 * Applies ticket updates in version order. The next version is applied and acknowledged; an older or
 * equal one is acknowledged and ignored; a newer one (or one for a ticket not replicated yet) is not
 * acknowledged, so it comes back once its predecessors have been applied.
 */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly queueGroupName = QUEUE_GROUP_NAME;
  // An early event may wait for its predecessor on another consumer (ticket:created): about 50 s.
  protected override maxDeliver = 30;
  // Different tickets at once; one ticket's versions one at a time, so they rarely arrive early.
  protected override concurrency = 8;
  private readonly inbox: Inbox;

  constructor(client: Transport, options: ListenerOptions & { inbox?: Inbox } = {}) {
    super(client, options);
    this.inbox = options.inbox ?? defaultInbox;
  }

  async onMessage(data: TicketUpdatedEvent['data'], msg: EventMessage): Promise<void> {
    const outcome = await applyTicketUpdated(this.inbox, data);
    if (outcome !== 'early') {
      msg.ack();
      return;
    }
    if (msg.deliveryCount >= this.maxDeliver) {
      // The base class records the dead letter with this reason.
      throw new Error(`ticket ${data.id} version ${data.version} never followed a replicated version ${data.version - 1}`);
    }
    msg.nak(earlyEventDelayMs(msg.deliveryCount));
  }
}
