import type { TicketingEvent } from '@ticketing/common/contracts';
import { Inbox, Outbox } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { Order } from './models/order';
import { Ticket } from './models/ticket';

/** The orders database's outbox: order events are written here in the transaction of the change. */
export const outbox = new Outbox<TicketingEvent>(mongoose.connection);

/** Which ticket and payment events this service has already applied. */
export const inbox = new Inbox<TicketingEvent>(outbox);

/**
 * Creates the collections and indexes, outside any transaction (DDL inside one fails). The unique
 * index on active orders must exist before the first order is taken.
 */
export async function initCollections(): Promise<void> {
  await outbox.init();
  await inbox.init();
  await Ticket.init();
  await Order.init();
}
