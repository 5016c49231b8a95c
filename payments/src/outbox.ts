import type { TicketingEvent } from '@ticketing/common/contracts';
import { Inbox, Outbox } from '@ticketing/common/outbox';
import mongoose from 'mongoose';

/** The payments database's outbox: a recorded payment and its payment:created commit together. */
export const outbox = new Outbox<TicketingEvent>(mongoose.connection);

/** Order events already applied, recorded in the same transaction as their effects. */
export const inbox = new Inbox<TicketingEvent>(outbox);
