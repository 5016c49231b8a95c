import {
  afterCondition,
  BadRequestError,
  DEFAULT_PAGE_LIMIT,
  isDuplicateKeyError,
  NotAuthorizedError,
  NotFoundError,
  type Page,
  type PageRequest,
  toPage,
} from '@ticketing/common/http';
import { OrderStatus } from '@ticketing/common/contracts';
import { type OutboxTransaction } from '@ticketing/common/outbox';
import type { ClientSession } from 'mongoose';
import { OrderCancelledPublisher } from '../events/publishers/order-cancelled-publisher';
import { OrderCreatedPublisher } from '../events/publishers/order-created-publisher';
import {
  activeOrderExpiries,
  insertOrder,
  Order as Orders,
  RESERVING_STATUSES,
  toOrder,
  type OrderDoc,
  type OrderRow,
} from '../models/order';
import { Ticket as Tickets, toTicket } from '../models/ticket';
import { ensureUserOrderGate, MissingOrderGateError, passUserOrderGate, recountOpenOrders } from '../models/user-order-gate';
import { outbox } from '../outbox';
import type { Order } from './types';

export type { Order, Ticket, TicketSnapshot } from './types';
export type { Page, PageRequest } from '@ticketing/common/http';

export const TICKET_RESERVED_MESSAGE = 'Ticket is already reserved';
export const TOO_MANY_ORDERS_MESSAGE = 'Too many active orders';

export interface CreateOrderInput {
  userId: string;
  /** 24 hex digits (the route validates it). */
  ticketId: string;
  expirationWindowSeconds: number;
  /** MAX_ACTIVE_ORDERS_PER_USER: how many unpaid orders holding a ticket (created, awaiting:payment) a buyer may have. */
  maxActiveOrders: number;
  now?: Date;
}

/** Whether an order holds the ticket (created, awaiting payment or complete). */
export async function isTicketReserved(ticketId: string, session: ClientSession | null = null): Promise<boolean> {
  return (await Orders.exists({ 'ticket.id': ticketId, status: { $in: RESERVING_STATUSES } }).session(session)) !== null;
}

/**
 * Reserves a ticket at its current replica price: the order stores a snapshot of the ticket (`{id,
 * title, price, version}`), and the order and its `order:created` event (carrying the snapshot's
 * price) commit together. The order is numbered among the ticket's orders by a count on the replica
 * (`reservation`, carried by its events: how the tickets service tells a late or repeated order event
 * from a new one). The unique partial index on active orders per ticket is what decides between
 * concurrent buyers, and it is the only check: a second active order for the ticket cannot be inserted
 * (inside a transaction the losers see a write conflict, are retried, and then see the winner), so they
 * end as 400 and their count is rolled back. A reserved ticket thus costs an aborted transaction.
 * A buyer holding `maxActiveOrders` unpaid orders gets 400 "Too many active orders": every placement
 * first writes the buyer's gate document, so a buyer's concurrent placements are serialised by the
 * database and each sees the others' committed orders. The gate's list of open expiries settles most
 * placements without counting the orders (see UserOrderGate). The gate is created on a buyer's first
 * placement only (outside the transaction, then the placement runs again).
 */
export async function createOrder(input: CreateOrderInput): Promise<Order> {
  try {
    return await placeOrder(input);
  } catch (err) {
    if (!(err instanceof MissingOrderGateError)) throw err;
    await ensureUserOrderGate(input.userId);
    return placeOrder(input);
  }
}

async function placeOrder(input: CreateOrderInput): Promise<Order> {
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + input.expirationWindowSeconds * 1000);
  const { userId, maxActiveOrders } = input;
  try {
    return await outbox.transaction(async (tx) => {
      // A retry after a write conflict (with the winner of a rush on this ticket, as a rule) looks for
      // the winner's order first: the losers then leave at once rather than take turns on the replica.
      if (tx.attempt > 1 && (await isTicketReserved(input.ticketId, tx.session))) throw new BadRequestError(TICKET_RESERVED_MESSAGE);
      // First write of the transaction: a concurrent placement by the same buyer conflicts here.
      const underCap = await passUserOrderGate(userId, { now, expiresAt, maxActiveOrders }, tx.session);
      // Numbers the order among the ticket's (rolled back with the rest if the ticket is reserved).
      const replica = await Tickets.numberNextOrder(input.ticketId, tx.session);
      if (!replica) throw new NotFoundError();
      if (!underCap) {
        const open = await activeOrderExpiries(userId, now, tx.session);
        if (open.length >= maxActiveOrders) throw new BadRequestError(TOO_MANY_ORDERS_MESSAGE);
        await recountOpenOrders(userId, [...open, expiresAt], tx.session);
      }

      const row = await insertOrder(
        { userId, status: OrderStatus.Created, expiresAt, ticket: toTicket(replica), reservation: replica.reservations },
        tx.session,
      );
      const order = toOrder(row);
      await new OrderCreatedPublisher(tx).publish({
        id: order.id,
        version: order.version,
        status: order.status,
        userId: order.userId,
        expiresAt: order.expiresAt.toISOString(),
        ticket: { id: order.ticket.id, price: order.ticket.price, reservation: row.reservation },
      });
      return order;
    });
  } catch (err) {
    // The only unique keys this transaction writes are fresh ids and the active order per ticket.
    if (isDuplicateKeyError(err)) throw new BadRequestError(TICKET_RESERVED_MESSAGE);
    throw err;
  }
}

/** One page of the caller's orders, oldest first, each with the ticket as it was when ordered. */
export async function listOrders(userId: string, page: PageRequest = { limit: DEFAULT_PAGE_LIMIT }): Promise<Page<Order>> {
  const rows = await Orders.find({ userId, ...afterCondition(page) })
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .lean<OrderRow[]>();
  return toPage(rows, page, toOrder);
}

/** The order (`orderId`: 24 hex digits); 404 when unknown, 401 when it is someone else's. */
export async function findOrderForUser(orderId: string, userId: string): Promise<Order> {
  // Lean: the row maps straight to the JSON shape.
  const doc = await Orders.findById(orderId).lean<OrderRow>();
  if (!doc) throw new NotFoundError();
  if (doc.userId !== userId) throw new NotAuthorizedError();
  return toOrder(doc);
}

/** Marks the order cancelled (version + 1) and writes `order:cancelled`, in one transaction. */
export async function cancelOrder(orderId: string, userId: string): Promise<Order> {
  return outbox.transaction(async (tx) => {
    const doc = await Orders.findById(orderId).session(tx.session);
    if (!doc) throw new NotFoundError();
    if (doc.userId !== userId) throw new NotAuthorizedError();
    if (doc.status === OrderStatus.Cancelled) throw new BadRequestError('Order is already cancelled');
    // A paid order keeps its ticket for good: cancelling it would release a sold ticket.
    if (doc.status === OrderStatus.Complete) throw new BadRequestError('Cannot cancel a completed order');
    return cancelInTransaction(doc, tx);
  });
}

/** Ids of orders still `created` whose `expiresAt` is at or before `now`, soonest first. */
export async function dueOrderIds(now: Date, limit: number): Promise<string[]> {
  const due = await Orders.find({ status: OrderStatus.Created, expiresAt: { $lte: now } })
    .sort({ expiresAt: 1 })
    .limit(limit)
    .select({ _id: 1 })
    .lean();
  return due.map(({ _id }) => _id.toHexString());
}

/**
 * Cancels the order if it is still `created` and expired at `now`. Re-checked inside the transaction,
 * so a concurrent payment, cancel or another sweeper wins and this does nothing. True if it cancelled.
 */
export async function expireOrder(orderId: string, now: Date = new Date()): Promise<boolean> {
  return outbox.transaction(async (tx) => {
    const doc = await Orders.findOne({ _id: orderId, status: OrderStatus.Created, expiresAt: { $lte: now } }).session(tx.session);
    if (!doc) return false;
    await cancelInTransaction(doc, tx);
    return true;
  });
}

async function cancelInTransaction(doc: OrderDoc, tx: OutboxTransaction): Promise<Order> {
  doc.status = OrderStatus.Cancelled;
  await doc.save({ session: tx.session });
  const order = toOrder(doc);
  await new OrderCancelledPublisher(tx).publish({
    id: order.id,
    version: order.version,
    ticket: { id: order.ticket.id, reservation: doc.reservation },
  });
  return order;
}
