import { EmbeddedOutbox } from '@ticketing/common/outbox';
import { Ticket } from './models/ticket';

/**
 * The tickets' events, kept on each ticket's own document until the relay published them: a change and
 * its event are one single-document write, which MongoDB applies atomically, so they commit together
 * with no transaction (see docs/outbox.md, "Events on the aggregate").
 */
export const ticketEvents = new EmbeddedOutbox(Ticket.collection);

/** Creates the collection's indexes, the relay's included. */
export async function initCollections(): Promise<void> {
  await Ticket.init();
  await ticketEvents.init();
}
