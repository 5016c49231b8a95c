import { isDuplicateKeyError } from '@ticketing/common/http';
import { TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { Ticket } from '../models/ticket';

// The ticket replica is versioned, so the version itself says whether an event was applied: each event
// is one conditional write, with no inbox record and no transaction (the inbox stays where no version
// check exists, e.g. payment:created).

/** Inserts the replica of a created ticket if it is absent: 'applied', or 'duplicate' when it is already there. */
export async function applyTicketCreated(data: TicketCreatedEvent['data']): Promise<EventOutcome> {
  try {
    return (await Ticket.insertReplicaIfAbsent(data)) ? 'applied' : 'duplicate';
  } catch (err) {
    // Two deliveries of the same event inserted at once: the other one won.
    if (isDuplicateKeyError(err)) return 'duplicate';
    throw err;
  }
}

/**
 * Applies a ticket update only when it is the next version: `updateOne({_id, version: v - 1}, {$set:
 * {..., version: v}})`. When that matches nothing, one read of the stored version tells why: at or past
 * `v`, a duplicate; before `v - 1`, early; no replica, unknown. Orders keep their own snapshot of the
 * ticket, so an update (a new price) changes no order.
 */
export async function applyTicketUpdated(data: TicketUpdatedEvent['data']): Promise<EventOutcome> {
  if (await Ticket.applyNextVersion(data)) return 'applied';
  const stored = await Ticket.storedVersion(data.id);
  if (stored === null) return 'unknown';
  return stored >= data.version ? 'duplicate' : 'early';
}
