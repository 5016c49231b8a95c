import { isObjectId } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import mongoose from 'mongoose';
import { Ticket as TicketModel } from '../models/ticket';
import { changeTicket, releaseOrNote, type TicketFilter } from './ticket-changes';

// Order events: an order holds its ticket (order:created) until it is cancelled (order:cancelled).
// Each event is applied once and answered with an EventOutcome: 'applied', 'duplicate' (seen before,
// or overtaken by a later order's event), or 'unknown' (the ticket is not here yet, so the event comes
// back later and becomes a dead letter if it never arrives).
//
// The orders service numbers a ticket's orders (`ticket.reservation`: 1, 2, ...) and places one only
// while no earlier one holds the ticket, so a higher number is a later order, and every earlier order
// was cancelled before it was placed. The ticket keeps the highest number it has handled, and that is
// all it needs to apply each event once, whatever order the events arrive in and however late: an
// event whose number is below it (or equal, for order:created) changes nothing. Each event is one
// conditional write of the ticket, with its ticket:updated when the holder changes (appended to the
// ticket's own outbox by the same write, so there is no transaction).

/** Matches a ticket none of whose handled order events is numbered `reservation` or higher (none handled: absent). */
function handledBelow(reservation: number): TicketFilter {
  return { reservation: { $not: { $gte: reservation } } };
}

/** The outcome when a conditional write matched nothing: the ticket is here, so the event was seen or overtaken; else unknown. */
async function duplicateUnlessUnknown(_id: mongoose.Types.ObjectId): Promise<EventOutcome> {
  return (await TicketModel.exists({ _id })) ? 'duplicate' : 'unknown';
}

/**
 * order:created: a later order than any handled holds the ticket. An earlier holder is replaced, as
 * its order:cancelled (still to come) would have released it; the event of an order handled already,
 * or of one older than the last handled, changes nothing. An unknown ticket is 'unknown'.
 */
export async function reserveTicket(order: OrderCreatedEvent['data']): Promise<EventOutcome> {
  const { id: ticketId, reservation } = order.ticket;
  if (!isObjectId(ticketId)) return 'unknown';
  const _id = new mongoose.Types.ObjectId(ticketId);
  const taken = await changeTicket(_id, handledBelow(reservation), { orderId: order.id, reservation });
  return taken ? 'applied' : duplicateUnlessUnknown(_id);
}

/**
 * order:cancelled: the ticket is released if this order (or an earlier one, which was cancelled before
 * this one was placed) holds it (version + 1, ticket:updated); a ticket held by a later order, or by
 * none, keeps its holder. When nothing holds it, the number is still recorded, without a new version,
 * so this order's order:created arriving later does not reserve the ticket. Both in one write.
 */
export async function releaseTicket(order: OrderCancelledEvent['data']): Promise<EventOutcome> {
  const { id: ticketId, reservation } = order.ticket;
  if (!isObjectId(ticketId)) return 'unknown';
  const _id = new mongoose.Types.ObjectId(ticketId);
  const written = await releaseOrNote(_id, handledBelow(reservation + 1), reservation);
  if (!written) return duplicateUnlessUnknown(_id);
  // Not held and already numbered `reservation`: this event was handled before.
  return written.released || (written.before.reservation ?? 0) < reservation ? 'applied' : 'duplicate';
}
