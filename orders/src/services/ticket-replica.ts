import { isDuplicateKeyError } from '@ticketing/common/http';
import { Subjects, TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { Inbox } from '@ticketing/common/outbox';
import { QUEUE_GROUP_NAME } from '../events/queue-group-name';
import { Ticket } from '../models/ticket';

/**
 * What happened to a replicated ticket event:
 * - `applied`: the replica changed;
 * - `duplicate`: already reflected (a redelivery, or an older or equal version): acknowledge it;
 * - `early`: its predecessor has not been applied yet (or the ticket is not known yet): let it come back.
 */
export type ReplicaOutcome = 'applied' | 'duplicate' | 'early';

/** Thrown inside the inbox transaction so the inbox record is rolled back with it. */
class EarlyEventError extends Error {}

/** Inserts the replica of a created ticket, once. */
export async function applyTicketCreated(inbox: Inbox, data: TicketCreatedEvent['data']): Promise<Exclude<ReplicaOutcome, 'early'>> {
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
 */
export async function applyTicketUpdated(inbox: Inbox, data: TicketUpdatedEvent['data']): Promise<ReplicaOutcome> {
  const state = { applied: false };
  try {
    const result = await inbox.handleOnce(QUEUE_GROUP_NAME, Subjects.TicketUpdated, data, async (tx) => {
      state.applied = false;
      const ticket = await Ticket.findById(data.id).session(tx.session);
      if (!ticket || data.version > ticket.version + 1) throw new EarlyEventError();
      if (data.version <= ticket.version) return;
      ticket.set({ title: data.title, price: data.price });
      await ticket.save({ session: tx.session });
      state.applied = true;
    });
    return result === 'applied' && state.applied ? 'applied' : 'duplicate';
  } catch (err) {
    if (err instanceof EarlyEventError) return 'early';
    throw err;
  }
}
