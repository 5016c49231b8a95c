import type { TicketingEvent } from '@ticketing/common/contracts';
import { Outbox } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { Ticket } from './models/ticket';

/** The tickets database's outbox: ticket changes and their events commit together. */
export const outbox = new Outbox<TicketingEvent>(mongoose.connection);

/** Creates the collections and indexes the transactions write to (DDL cannot run inside one). */
export async function initCollections(): Promise<void> {
  await Promise.all([outbox.init(), Ticket.init()]);
}
