import type { TicketingEvent } from '@ticketing/common/contracts';
import { Inbox, Outbox } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { OrderMarkerModel } from './models/order-marker';
import { Ticket } from './models/ticket';

/** The tickets database's outbox: ticket changes and their events commit together. */
export const outbox = new Outbox<TicketingEvent>(mongoose.connection);

/** Order events already applied, recorded in the same transaction as their effects. */
export const inbox = new Inbox<TicketingEvent>(outbox);

/** Creates the collections and indexes the transactions write to (DDL cannot run inside one). */
export async function initCollections(): Promise<void> {
  await Promise.all([outbox.init(), inbox.init(), Ticket.init(), OrderMarkerModel.init()]);
}
