import { isDuplicateKeyError } from '@ticketing/common/http';
import { Subjects, TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { Inbox } from '@ticketing/common/outbox';
import { QUEUE_GROUP_NAME } from '../events/queue-group-name';
import { Ticket } from '../models/ticket';

/** Thrown inside the inbox transaction so the inbox record is rolled back with it. */
class NotYetError extends Error {
  constructor(readonly outcome: 'early' | 'unknown') {
    super(outcome);
  }
}

/** Inserts the replica of a created ticket, once: 'applied', or 'duplicate' when it is already there. */
export async function applyTicketCreated(inbox: Inbox, data: TicketCreatedEvent['data']): Promise<EventOutcome> {
  const state = { inserted: false };
  try {
    const result = await inbox.handleOnce(QUEUE_GROUP_NAME, Subjects.TicketCreated, data, async (tx) => {
      state.inserted = false;
      // A replica already there fails the insert on _id (no lookup first: one round trip fewer).
      await Ticket.insertReplica(data, tx.session);
      state.inserted = true;
    });
    return result === 'applied' && state.inserted ? 'applied' : 'duplicate';
  } catch (err) {
    // The replica exists: inserted by an earlier or concurrent delivery of the same event.
    if (isDuplicateKeyError(err)) return 'duplicate';
    throw err;
  }
}

/**
 * Applies a ticket update only when it is the next version (`local + 1`): the version plugin makes
 * the save conditional on the local version and increments it, so the replica ends on `data.version`.
 * Older or equal versions are 'duplicate'; a gap is 'early'; a ticket not replicated yet is 'unknown'.
 * Orders keep their own snapshot of the ticket, so an update (a new price) changes no order.
 */
export async function applyTicketUpdated(inbox: Inbox, data: TicketUpdatedEvent['data']): Promise<EventOutcome> {
  const state = { applied: false };
  try {
    const result = await inbox.handleOnce(QUEUE_GROUP_NAME, Subjects.TicketUpdated, data, async (tx) => {
      state.applied = false;
      const ticket = await Ticket.findById(data.id).session(tx.session);
      if (!ticket) throw new NotYetError('unknown');
      if (data.version > ticket.version + 1) throw new NotYetError('early');
      if (data.version <= ticket.version) return;
      ticket.set({ title: data.title, price: data.price });
      await ticket.save({ session: tx.session });
      state.applied = true;
    });
    return result === 'applied' && state.applied ? 'applied' : 'duplicate';
  } catch (err) {
    if (err instanceof NotYetError) return err.outcome;
    throw err;
  }
}
