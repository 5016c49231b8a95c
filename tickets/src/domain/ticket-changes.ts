import { eventMessageId, Subjects, TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import type { EmbeddedEvent } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { Ticket as TicketModel, TicketRow, toTicket } from '../models/ticket';
import { ticketEvents } from '../outbox';
import type { Ticket } from './ticket';

// A change of a ticket is one conditional pipeline write that also computes its ticket:updated from
// the document as written and appends it to the ticket's outbox: the change and its event are applied
// together, atomically, with no read before and no transaction, and concurrent changes of one ticket
// are applied one after another by the database (each on the version the previous one left).

export function ticketCreatedData(ticket: Ticket): TicketCreatedEvent['data'] {
  return { id: ticket.id, version: ticket.version, title: ticket.title, price: ticket.price, userId: ticket.userId };
}

export function ticketUpdatedData(ticket: Ticket): TicketUpdatedEvent['data'] {
  // orderId only while reserved: the key is left out, never null, so the event matches the contract.
  return { ...ticketCreatedData(ticket), ...(ticket.orderId ? { orderId: ticket.orderId } : {}) };
}

export type TicketFilter = mongoose.mongo.Filter<mongoose.mongo.Document>;

/** What a change sets: the owner's edit, the holding order (null releases it), the reservation number. */
export interface TicketChange {
  title?: string;
  price?: number;
  orderId?: string | null;
  reservation?: number;
}

/**
 * The pipeline of `change` on ticket `id`, version + 1 and its ticket:updated (with `bookkeeping`);
 * with `onlyIf` (an expression), the version, the holder and the event change only where it is true.
 */
function changePipeline(id: string, change: TicketChange, bookkeeping: object, onlyIf?: unknown): object[] {
  const when = (then: unknown, otherwise: unknown): unknown => (onlyIf === undefined ? then : { $cond: [onlyIf, then, otherwise] });
  const set: Record<string, unknown> = { version: when({ $add: ['$version', 1] }, '$version') };
  // Literals: a title is the user's text, and a string starting with `$` would read as a field path.
  if (change.title !== undefined) set.title = { $literal: change.title };
  if (change.price !== undefined) set.price = { $literal: change.price };
  if (change.reservation !== undefined) set.reservation = { $literal: change.reservation };
  if (typeof change.orderId === 'string') set.orderId = { $literal: change.orderId };
  if (change.orderId === null) set.orderId = when('$$REMOVE', '$orderId');
  const event = ticketEvents.appendInPipeline(
    {
      subject: Subjects.TicketUpdated,
      // eventMessageId's `subject:id:version`, the version as written.
      msgId: { $concat: [`${Subjects.TicketUpdated}:${id}:`, { $toString: '$version' }] },
      aggregateVersion: '$version',
      // ticketUpdatedData's shape: orderId only while reserved.
      data: {
        id: { $literal: id },
        version: '$version',
        title: '$title',
        price: '$price',
        userId: '$userId',
        ...(typeof change.orderId === 'string' ? { orderId: { $literal: change.orderId } } : {}),
      },
    },
    bookkeeping,
    onlyIf,
  );
  return [{ $set: set }, event];
}

/** The ticket `before` becomes with `change`, and its ticket:updated as the pipeline computed it. */
function changed(before: TicketRow, change: TicketChange, bookkeeping: ReturnType<typeof ticketEvents.bookkeeping>) {
  const { orderId: _previous, ...rest } = before;
  const orderId = change.orderId === undefined ? before.orderId : change.orderId;
  const ticket = toTicket({
    ...rest,
    ...(change.title !== undefined ? { title: change.title } : {}),
    ...(change.price !== undefined ? { price: change.price } : {}),
    ...(orderId ? { orderId } : {}),
    version: before.version + 1,
  });
  const data = ticketUpdatedData(ticket);
  const event: EmbeddedEvent = {
    ...bookkeeping,
    subject: Subjects.TicketUpdated,
    msgId: eventMessageId(Subjects.TicketUpdated, data),
    aggregateVersion: ticket.version,
    data: { ...data },
  };
  return { ticket, event };
}

/**
 * Applies `change` to the ticket if it matches `filter`: version + 1 and its ticket:updated, in one
 * write. Returns the ticket as written, or null when the filter matched nothing.
 */
export async function changeTicket(_id: mongoose.Types.ObjectId, filter: TicketFilter, change: TicketChange): Promise<Ticket | null> {
  const bookkeeping = ticketEvents.bookkeeping();
  const before = await TicketModel.collection.findOneAndUpdate({ _id, ...filter }, changePipeline(_id.toHexString(), change, bookkeeping), {
    returnDocument: 'before',
    projection: { outbox: 0 },
  });
  if (!before) return null;
  const { ticket, event } = changed(before as unknown as TicketRow, change, bookkeeping);
  ticketEvents.committed(_id, [event]);
  return ticket;
}

/**
 * Where the ticket matches `filter`: if an order holds it, releases it (version + 1, ticket:updated),
 * and in any case records `reservation`, all in one write, so no concurrent order event can come in
 * between. Returns the ticket as it was before ('released' when an order held it), or null when the
 * filter matched nothing.
 */
export async function releaseOrNote(
  _id: mongoose.Types.ObjectId,
  filter: TicketFilter,
  reservation: number,
): Promise<{ before: TicketRow; released: boolean } | null> {
  const bookkeeping = ticketEvents.bookkeeping();
  const change: TicketChange = { orderId: null };
  const held = { $ne: [{ $ifNull: ['$orderId', null] }, null] };
  const found = await TicketModel.collection.findOneAndUpdate(
    { _id, ...filter },
    [
      { $set: { releasing: held } },
      ...changePipeline(_id.toHexString(), change, bookkeeping, '$releasing'),
      { $set: { reservation: { $literal: reservation } } },
      { $unset: 'releasing' },
    ],
    { returnDocument: 'before', projection: { outbox: 0 } },
  );
  if (!found) return null;
  const before = found as unknown as TicketRow;
  if (!before.orderId) return { before, released: false };
  ticketEvents.committed(_id, [changed(before, change, bookkeeping).event]);
  return { before, released: true };
}
