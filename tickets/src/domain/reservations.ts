import { isObjectId } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { OutboxTransaction } from '@ticketing/common/outbox';
import type { FilterQuery, UpdateQuery } from 'mongoose';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { type OrderMarker, OrderMarkerModel } from '../models/order-marker';
import { Ticket as TicketModel, TicketFields, TicketRow, toTicket } from '../models/ticket';
import { outbox } from '../outbox';
import { ticketUpdatedData } from './tickets';

// Order events: an order holds its ticket (order:created) until it is cancelled (order:cancelled).
// Each event is applied once and answered with an EventOutcome: 'applied', 'duplicate' (seen before),
// or 'unknown' (the ticket is not here yet, so the event comes back later and becomes a dead letter if
// it never arrives). The order's marker is what makes them apply once: it records, in the transaction
// of the event's effects, that the order's creation (or cancellation) was handled, so an inbox record
// beside it would only repeat it at the cost of one more insert per event.

/** An order event names a ticket this service does not have (yet). Rolls the event's transaction back. */
class UnknownTicketError extends Error {
  constructor(readonly ticketId: string) {
    super(`Ticket ${ticketId} not found`);
    this.name = 'UnknownTicketError';
  }
}

/** Throws UnknownTicketError unless the ticket is here (the rare path: a conditional write matched nothing). */
async function requireTicket(ticketId: string, tx: OutboxTransaction): Promise<void> {
  const found = isObjectId(ticketId) ? await TicketModel.exists({ _id: ticketId }).session(tx.session) : null;
  if (!found) throw new UnknownTicketError(ticketId);
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
 * Notes in the order's marker that its creation or its cancellation (`seen`) is handled, and returns
 * the marker as it was before. The first write of the event's transaction: the other event of the same
 * order, handled at the same moment, conflicts here and runs again after this one commits. `$min`
 * keeps the first time, so a repeated event changes nothing but `updatedAt` (its retention).
 */
async function noteInMarker(
  orderId: string,
  ticketId: string,
  seen: 'createdSeenAt' | 'cancelledAt',
  tx: OutboxTransaction,
): Promise<OrderMarker | null> {
  const now = new Date();
  return OrderMarkerModel.findOneAndUpdate(
    { _id: orderId },
    { $set: { ticketId, updatedAt: now }, $min: { [seen]: now } },
    { upsert: true, new: false, session: tx.session },
  ).lean<OrderMarker>();
}

/**
 * order:created in one transaction: the order holds the ticket, unless its order:cancelled was
 * handled first (the order marker says so) or it holds it already.
 */
async function reserve(order: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const ticketId = order.ticket.id;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const before = await noteInMarker(order.id, ticketId, 'createdSeenAt', tx);
  // Its effects committed with the marker's createdSeenAt (an unknown ticket rolls both back).
  if (before?.createdSeenAt) return 'duplicate';
  if (before?.cancelledAt) {
    await requireTicket(ticketId, tx);
    return 'applied';
  }
  // Held by this order already: nothing to change (but the ticket must exist).
  if (!(await changeAndPublish({ _id: ticketId, orderId: { $ne: order.id } }, { $set: { orderId: order.id } }, tx))) {
    await requireTicket(ticketId, tx);
  }
  return 'applied';
}

/** order:cancelled in one transaction: releases the ticket if this order holds it. */
async function release(order: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<EventOutcome> {
  const ticketId = order.ticket.id;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const before = await noteInMarker(order.id, ticketId, 'cancelledAt', tx);
  if (before?.cancelledAt) return 'duplicate';
  // Held by another order, or by none: left as it is (but the ticket must exist).
  if (!(await changeAndPublish({ _id: ticketId, orderId: order.id }, { $unset: { orderId: 1 } }, tx))) {
    await requireTicket(ticketId, tx);
  }
  return 'applied';
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
 * order:cancelled: the ticket is released if this order holds it (version + 1, ticket:updated); a
 * ticket held by another order, or by none, is left as it is.
 */
export function releaseTicket(order: OrderCancelledEvent['data']): Promise<EventOutcome> {
  return applyInTransaction(order, release);
}
