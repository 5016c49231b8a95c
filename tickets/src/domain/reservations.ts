import { isObjectId } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent, Subjects } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import { OutboxTransaction } from '@ticketing/common/outbox';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { QUEUE_GROUP_NAME } from '../events/queue-group-name';
import { OrderMarkerModel } from '../models/order-marker';
import { Ticket as TicketModel, TicketDoc, toTicket } from '../models/ticket';
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

async function loadForEvent(ticketId: string, tx: OutboxTransaction): Promise<TicketDoc> {
  const doc = isObjectId(ticketId) ? await TicketModel.findById(ticketId).session(tx.session) : null;
  if (!doc) throw new UnknownTicketError(ticketId);
  return doc;
}

async function saveAndPublish(doc: TicketDoc, tx: OutboxTransaction): Promise<void> {
  await doc.save({ session: tx.session });
  await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(toTicket(doc)));
}

/**
 * order:created inside the inbox's transaction: the order holds the ticket, unless its order:cancelled
 * was handled first (the order marker says so) or it holds it already.
 */
async function reserve(order: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<void> {
  const doc = await loadForEvent(order.ticket.id, tx);
  const now = new Date();
  const marker = await OrderMarkerModel.findOneAndUpdate(
    { _id: order.id },
    { $set: { ticketId: doc._id.toHexString(), createdSeenAt: now, updatedAt: now } },
    { upsert: true, new: true, session: tx.session },
  ).lean();
  if (marker?.cancelledAt || doc.orderId === order.id) return;
  doc.set({ orderId: order.id });
  await saveAndPublish(doc, tx);
}

/** order:cancelled inside the inbox's transaction: releases the ticket if this order holds it. */
async function release(order: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<void> {
  const doc = await loadForEvent(order.ticket.id, tx);
  const now = new Date();
  await OrderMarkerModel.updateOne(
    { _id: order.id },
    { $set: { ticketId: doc._id.toHexString(), cancelledAt: now, updatedAt: now } },
    { upsert: true, session: tx.session },
  );
  if (doc.orderId !== order.id) return;
  doc.set({ orderId: undefined });
  await saveAndPublish(doc, tx);
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
