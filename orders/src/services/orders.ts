import { BadRequestError, isDuplicateKeyError, NotAuthorizedError, NotFoundError } from '@ticketing/common/http';
import { OrderStatus } from '@ticketing/common/contracts';
import { type OutboxTransaction } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { outbox } from '../database';
import { OrderCancelledPublisher } from '../events/publishers/order-cancelled-publisher';
import { OrderCreatedPublisher } from '../events/publishers/order-created-publisher';
import { Order, OrderDoc, ticketIdOf } from '../models/order';
import { Ticket, type TicketDoc } from '../models/ticket';

export const TICKET_RESERVED_MESSAGE = 'Ticket is already reserved';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** A 24-hex-digit id (mongoose's own `isValid` also accepts any 12-character string). */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

export interface CreateOrderInput {
  userId: string;
  ticketId: string;
  expirationWindowSeconds: number;
  now?: Date;
}

/**
 * Reserves a ticket: the order and its `order:created` event commit together. The unique partial
 * index on active orders per ticket is what decides between concurrent buyers: a second active order
 * for the ticket cannot be inserted (inside a transaction the losers see a write conflict, are
 * retried, and then see the winner), so they end as 400 `Ticket is already reserved`.
 */
export async function createOrder(input: CreateOrderInput): Promise<OrderDoc> {
  const now = input.now ?? new Date();
  try {
    return await outbox.transaction(async (tx) => {
      const ticket = await Ticket.findById(input.ticketId).session(tx.session);
      if (!ticket) throw new NotFoundError();
      // Answers the common case early; the index is what makes it safe under concurrency.
      if (await ticket.isReserved(tx.session)) throw new BadRequestError(TICKET_RESERVED_MESSAGE);

      const order = Order.build({
        userId: input.userId,
        status: OrderStatus.Created,
        expiresAt: new Date(now.getTime() + input.expirationWindowSeconds * 1000),
        ticket,
      });
      await order.save({ session: tx.session });
      await new OrderCreatedPublisher(tx).publish({
        id: order.id as string,
        version: order.version,
        status: order.status,
        userId: order.userId,
        expiresAt: order.expiresAt.toISOString(),
        ticket: { id: ticket.id as string, price: ticket.price },
      });
      return order;
    });
  } catch (err) {
    // The only unique keys this transaction writes are fresh ids and the active order per ticket.
    if (isDuplicateKeyError(err)) throw new BadRequestError(TICKET_RESERVED_MESSAGE);
    throw err;
  }
}

/** The caller's orders, oldest first, with their tickets. */
export async function listOrders(userId: string): Promise<OrderDoc[]> {
  return Order.find({ userId }).sort({ _id: 1 }).populate<{ ticket: TicketDoc }>('ticket');
}

/** The order with its ticket; 404 when unknown (or not an id), 401 when it is someone else's. */
export async function findOrderForUser(orderId: string, userId: string): Promise<OrderDoc> {
  if (!isObjectIdHex(orderId)) throw new NotFoundError();
  const order = await Order.findById(orderId).populate<{ ticket: TicketDoc }>('ticket');
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  return order;
}

/** Marks the order cancelled (version + 1) and writes `order:cancelled`, in one transaction. */
export async function cancelOrder(orderId: string, userId: string): Promise<OrderDoc> {
  if (!isObjectIdHex(orderId)) throw new NotFoundError();
  return outbox.transaction(async (tx) => {
    const order = await Order.findById(orderId).session(tx.session);
    if (!order) throw new NotFoundError();
    if (order.userId !== userId) throw new NotAuthorizedError();
    if (order.status === OrderStatus.Cancelled) throw new BadRequestError('Order is already cancelled');
    // A paid order keeps its ticket.
    if (order.status === OrderStatus.Complete) throw new BadRequestError('Cannot cancel a completed order');
    return cancelInTransaction(order, tx);
  });
}

/**
 * Cancels the order if it is still `created` and expired at `now`. Re-checked inside the transaction,
 * so a concurrent payment, cancel or another sweeper wins and this does nothing. True if it cancelled.
 */
export async function expireOrder(orderId: mongoose.Types.ObjectId | string, now: Date = new Date()): Promise<boolean> {
  return outbox.transaction(async (tx) => {
    const order = await Order.findOne({ _id: orderId, status: OrderStatus.Created, expiresAt: { $lte: now } }).session(tx.session);
    if (!order) return false;
    await cancelInTransaction(order, tx);
    return true;
  });
}

async function cancelInTransaction(order: OrderDoc, tx: OutboxTransaction): Promise<OrderDoc> {
  order.status = OrderStatus.Cancelled;
  await order.save({ session: tx.session });
  await new OrderCancelledPublisher(tx).publish({ id: order.id as string, version: order.version, ticket: { id: ticketIdOf(order) } });
  return order;
}
