import { isObjectId } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { OutboxTransaction } from '@ticketing/common/outbox';
import type { FilterQuery, UpdateQuery } from 'mongoose';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { Ticket as TicketModel, TicketFields, TicketRow, toTicket } from '../models/ticket';
import { outbox } from '../outbox';
import { ticketUpdatedData } from './tickets';

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
// conditional write of the ticket (with its ticket:updated when the holder changes).

/** An order event names a ticket this service does not have (yet). Rolls the event's transaction back. */
class UnknownTicketError extends Error {
  constructor(readonly ticketId: string) {
    super(`Ticket ${ticketId} not found`);
    this.name = 'UnknownTicketError';
  }
}

/** Matches a ticket none of whose handled order events is numbered `reservation` or higher (none handled: absent). */
function handledBelow(reservation: number): FilterQuery<TicketFields> {
  return { reservation: { $not: { $gte: reservation } } };
}

/** The outcome when a conditional write matched nothing: the ticket is here, so the event was seen or overtaken. */
async function duplicateUnlessUnknown(ticketId: string, tx: OutboxTransaction): Promise<EventOutcome> {
  const found = isObjectId(ticketId) ? await TicketModel.exists({ _id: ticketId }).session(tx.session) : null;
  if (!found) throw new UnknownTicketError(ticketId);
  return 'duplicate';
}

/**
 * Sets or clears the ticket's order with one conditional write (`filter` says when it applies), version
 * + 1 as the version plugin would, and appends its ticket:updated. False when the filter matched nothing.
 */
async function changeAndPublish(
  filter: FilterQuery<TicketFields>,
  change: UpdateQuery<TicketFields>,
  tx: OutboxTransaction,
): Promise<boolean> {
  const row = await TicketModel.findOneAndUpdate(
    filter,
    { ...change, $inc: { version: 1 } },
    { new: true, session: tx.session },
  ).lean<TicketRow>();
  if (!row) return false;
  await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(toTicket(row)));
  return true;
}

/**
 * order:created: a later order than any handled holds the ticket. An earlier holder is replaced, as
 * its order:cancelled (still to come) would have released it; the event of an order handled already,
 * or of one older than the last handled, changes nothing.
 */
async function reserve(order: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const { id: ticketId, reservation } = order.ticket;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const taken = await changeAndPublish({ _id: ticketId, ...handledBelow(reservation) }, { $set: { orderId: order.id, reservation } }, tx);
  return taken ? 'applied' : duplicateUnlessUnknown(ticketId, tx);
}

/**
 * order:cancelled: releases the ticket if it is held by this order or by an earlier one (which was
 * cancelled before this one was placed). When nothing holds it, the number is still recorded, without
 * a new version, so this order's order:created arriving later does not reserve the ticket.
 */
async function release(order: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const { id: ticketId, reservation } = order.ticket;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const notLater = handledBelow(reservation + 1);
  if (
    await changeAndPublish({ _id: ticketId, orderId: { $ne: null }, ...notLater }, { $unset: { orderId: 1 }, $set: { reservation } }, tx)
  ) {
    return 'applied';
  }
  const noted = await TicketModel.updateOne(
    { _id: ticketId, ...handledBelow(reservation) },
    { $set: { reservation } },
    { session: tx.session },
  );
  return noted.matchedCount === 1 ? 'applied' : duplicateUnlessUnknown(ticketId, tx);
}

/** Runs `apply` in one outbox transaction; an unknown ticket rolls it back and is 'unknown'. */
async function applyInTransaction<D>(data: D, apply: (data: D, tx: OutboxTransaction) => Promise<EventOutcome>): Promise<EventOutcome> {
  try {
    return await outbox.transaction((tx) => apply(data, tx));
  } catch (error) {
    if (error instanceof UnknownTicketError) return 'unknown';
    throw error;
  }
}

/** order:created: the order holds the ticket (orderId set, version + 1, ticket:updated). */
export function reserveTicket(order: OrderCreatedEvent['data']): Promise<EventOutcome> {
  return applyInTransaction(order, reserve);
}

/**
 * order:cancelled: the ticket is released if this order (or an earlier one) holds it (version + 1,
 * ticket:updated); a ticket held by a later order, or by none, keeps its holder.
 */
export function releaseTicket(order: OrderCancelledEvent['data']): Promise<EventOutcome> {
  return applyInTransaction(order, release);
}
