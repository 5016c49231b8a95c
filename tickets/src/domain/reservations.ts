import { isObjectId } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { OutboxTransaction } from '@ticketing/common/outbox';
import type { FilterQuery, UpdateQuery } from 'mongoose';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { QUEUE_GROUP_NAME } from '../events/queue-group-name';
import { OrderMarkerModel } from '../models/order-marker';
import { Ticket as TicketModel, TicketFields, TicketRow, toTicket } from '../models/ticket';
import { inbox } from '../outbox';
import { retryOnVersionError, ticketUpdatedData } from './tickets';

// Order events: an order holds its ticket (order:created) until it is cancelled (order:cancelled).
// Each event is applied once (the inbox records it in the transaction of its effects) and answered with
// an EventOutcome: 'applied', 'duplicate' (seen before), or 'unknown' (the ticket is not here yet, so
// the event comes back later and becomes a dead letter if it never arrives).

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
 * order:created inside the inbox's transaction: the order holds the ticket, unless its order:cancelled
 * was handled first (the order marker says so) or it holds it already.
 */
async function reserve(order: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<void> {
  const ticketId = order.ticket.id;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const now = new Date();
  const marker = await OrderMarkerModel.findOneAndUpdate(
    { _id: order.id },
    { $set: { ticketId, createdSeenAt: now, updatedAt: now } },
    { upsert: true, new: true, session: tx.session },
  ).lean();
  if (marker?.cancelledAt) return requireTicket(ticketId, tx);
  // Held by this order already: nothing to change (but the ticket must exist).
  if (!(await changeAndPublish({ _id: ticketId, orderId: { $ne: order.id } }, { $set: { orderId: order.id } }, tx))) {
    await requireTicket(ticketId, tx);
  }
}

/** order:cancelled inside the inbox's transaction: releases the ticket if this order holds it. */
async function release(order: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<void> {
  const ticketId = order.ticket.id;
  if (!isObjectId(ticketId)) throw new UnknownTicketError(ticketId);
  const now = new Date();
  await OrderMarkerModel.updateOne(
    { _id: order.id },
    { $set: { ticketId, cancelledAt: now, updatedAt: now } },
    { upsert: true, session: tx.session },
  );
  // Held by another order, or by none: left as it is (but the ticket must exist).
  if (!(await changeAndPublish({ _id: ticketId, orderId: order.id }, { $unset: { orderId: 1 } }, tx))) {
    await requireTicket(ticketId, tx);
  }
}

/** Applies `apply` once for this event; a VersionError re-runs it, an unknown ticket is 'unknown'. */
async function applyOnce<D extends { id: string; version: number }>(
  subject: Subjects,
  data: D,
  apply: (data: D, tx: OutboxTransaction) => Promise<void>,
): Promise<EventOutcome> {
  try {
    return await retryOnVersionError(() => inbox.handleOnce(QUEUE_GROUP_NAME, subject, data, (tx) => apply(data, tx)));
  } catch (error) {
    if (error instanceof UnknownTicketError) return 'unknown';
    throw error;
  }
}

/** order:created: the order holds the ticket (orderId set, version + 1, ticket:updated). */
export function reserveTicket(order: OrderCreatedEvent['data']): Promise<EventOutcome> {
  return applyOnce(Subjects.OrderCreated, order, reserve);
}

/**
 * order:cancelled: the ticket is released if this order holds it (version + 1, ticket:updated); a
 * ticket held by another order, or by none, is left as it is.
 */
export function releaseTicket(order: OrderCancelledEvent['data']): Promise<EventOutcome> {
  return applyOnce(Subjects.OrderCancelled, order, release);
}
