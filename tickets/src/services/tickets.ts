import { BadRequestError, ConflictError, NotAuthorizedError, NotFoundError } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent, TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import { OutboxTransaction } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { TicketCreatedPublisher } from '../events/publishers/ticket-created-publisher';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { OrderMarkerModel } from '../models/order-marker';
import { isTicketId, Ticket, TicketAttrs, TicketDoc } from '../models/ticket';
import { outbox } from '../outbox';

// The domain of the tickets service. Every change saves the ticket and appends its event to the outbox
// in one transaction, so an event is published if and only if its change committed.

export type TicketChanges = Pick<TicketAttrs, 'title' | 'price'>;

/** How many times a request re-runs after a VersionError before it answers 409. */
export const MAX_VERSION_RETRIES = 5;

function ticketCreatedData(ticket: TicketDoc): TicketCreatedEvent['data'] {
  return { id: ticket.id as string, version: ticket.version, title: ticket.title, price: ticket.price, userId: ticket.userId };
}

function ticketUpdatedData(ticket: TicketDoc): TicketUpdatedEvent['data'] {
  // orderId only while reserved: the key is left out, never null, so the event matches the contract.
  return { ...ticketCreatedData(ticket), ...(ticket.orderId ? { orderId: ticket.orderId } : {}) };
}

/**
 * Runs `fn` again when a save lost the optimistic-concurrency race with a VersionError (the
 * transaction's own retry covers write conflicts; a VersionError means the document changed between
 * the read and the conditional write). After `MAX_VERSION_RETRIES` re-runs it gives up with 409.
 */
export async function retryOnVersionError<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof mongoose.Error.VersionError)) throw error;
      if (attempt >= MAX_VERSION_RETRIES) throw new ConflictError('The ticket was changed by another request; try again');
    }
  }
}

export async function createTicket(attrs: TicketAttrs): Promise<TicketDoc> {
  return outbox.transaction(async (tx) => {
    const ticket = new Ticket(attrs);
    await ticket.save({ session: tx.session });
    await new TicketCreatedPublisher(tx).publish(ticketCreatedData(ticket));
    return ticket;
  });
}

export async function findTicket(id: string): Promise<TicketDoc | null> {
  if (!isTicketId(id)) return null;
  return Ticket.findById(id);
}

/** Tickets that are for sale (not reserved by an order), oldest first. */
export async function listAvailableTickets(): Promise<TicketDoc[]> {
  return Ticket.find({ orderId: null }).sort({ _id: 1 });
}

/**
 * The owner's edit. Throws NotFoundError (unknown or malformed id), NotAuthorizedError (not the
 * owner), BadRequestError (reserved). Concurrent edits are applied one after another: a loser re-runs
 * on the fresh ticket, so no edit is lost and the versions have no gaps.
 */
export async function updateTicket(id: string, userId: string, changes: TicketChanges): Promise<TicketDoc> {
  if (!isTicketId(id)) throw new NotFoundError();
  return retryOnVersionError(() =>
    outbox.transaction(async (tx) => {
      const ticket = await Ticket.findById(id).session(tx.session);
      if (!ticket) throw new NotFoundError();
      if (ticket.userId !== userId) throw new NotAuthorizedError();
      if (ticket.orderId) throw new BadRequestError('Cannot edit a reserved ticket');
      ticket.set({ title: changes.title, price: changes.price });
      await ticket.save({ session: tx.session });
      await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(ticket));
      return ticket;
    }),
  );
}

/** An order event names a ticket this service does not have (yet). */
export class UnknownTicketError extends Error {
  constructor(readonly ticketId: string) {
    super(`Ticket ${ticketId} not found`);
    this.name = 'UnknownTicketError';
  }
}

export type ReserveResult = 'reserved' | 'already-reserved-by-order' | 'order-already-cancelled';
export type ReleaseResult = 'released' | 'not-reserved-by-order';

async function loadForEvent(ticketId: string, tx: OutboxTransaction): Promise<TicketDoc> {
  const ticket = isTicketId(ticketId) ? await Ticket.findById(ticketId).session(tx.session) : null;
  if (!ticket) throw new UnknownTicketError(ticketId);
  return ticket;
}

/**
 * order:created: the order holds the ticket. Runs inside the inbox's transaction; throws
 * UnknownTicketError (rolling it back) when the ticket is not here.
 */
export async function reserveTicket(order: OrderCreatedEvent['data'], tx: OutboxTransaction): Promise<ReserveResult> {
  const ticket = await loadForEvent(order.ticket.id, tx);
  const now = new Date();
  const marker = await OrderMarkerModel.findOneAndUpdate(
    { _id: order.id },
    { $set: { ticketId: ticket.id as string, createdSeenAt: now, updatedAt: now } },
    { upsert: true, new: true, session: tx.session },
  ).lean();
  if (marker?.cancelledAt) return 'order-already-cancelled';
  if (ticket.orderId === order.id) return 'already-reserved-by-order';
  ticket.set({ orderId: order.id });
  await ticket.save({ session: tx.session });
  await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(ticket));
  return 'reserved';
}

/**
 * order:cancelled: releases the ticket if this order holds it; a ticket held by another order, or by
 * none, is left as it is.
 */
export async function releaseTicket(order: OrderCancelledEvent['data'], tx: OutboxTransaction): Promise<ReleaseResult> {
  const ticket = await loadForEvent(order.ticket.id, tx);
  const now = new Date();
  await OrderMarkerModel.updateOne(
    { _id: order.id },
    { $set: { ticketId: ticket.id as string, cancelledAt: now, updatedAt: now } },
    { upsert: true, session: tx.session },
  );
  if (ticket.orderId !== order.id) return 'not-reserved-by-order';
  ticket.set({ orderId: undefined });
  await ticket.save({ session: tx.session });
  await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(ticket));
  return 'released';
}
