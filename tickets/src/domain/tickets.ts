import {
  afterCondition,
  BadRequestError,
  ConflictError,
  DEFAULT_PAGE_LIMIT,
  isObjectId,
  NotAuthorizedError,
  NotFoundError,
  type Page,
  type PageRequest,
  toPage,
} from '@ticketing/common/http';
import mongoose from 'mongoose';
import { TicketCreatedPublisher } from '../events/publishers/ticket-created-publisher';
import { Ticket as TicketModel, TicketRow, toTicket } from '../models/ticket';
import { ticketEvents } from '../outbox';
import type { Ticket, TicketAttrs, TicketChanges } from './ticket';
import { changeTicket, ticketCreatedData } from './ticket-changes';

// The domain of the tickets service. Every change writes the ticket and appends its event to the
// ticket's own outbox (see ../outbox.ts) in one single-document write, so an event is published if and
// only if its change was written.

export type { Ticket, TicketAttrs, TicketChanges } from './ticket';
export type { Page, PageRequest } from '@ticketing/common/http';
export { ticketCreatedData, ticketUpdatedData } from './ticket-changes';

/** Throws the schema's ValidationError unless `attrs` keep its rules (the routes check them first). */
function assertValidTicket(attrs: TicketAttrs & { _id?: mongoose.Types.ObjectId }): void {
  const invalid = TicketModel.build(attrs).validateSync();
  if (invalid) throw invalid;
}

export async function createTicket(attrs: TicketAttrs): Promise<Ticket> {
  // The schema's rules are checked here, and the row goes in through the driver: a document save
  // also runs the save hooks and the version plugin, and builds two errors up front, on every call.
  assertValidTicket(attrs);
  const row: TicketRow = { _id: new mongoose.Types.ObjectId(), title: attrs.title, price: attrs.price, userId: attrs.userId, version: 0 };
  const ticket = toTicket(row);
  const pending = ticketEvents.pending();
  await new TicketCreatedPublisher(pending).publish(ticketCreatedData(ticket));
  // One insert: the ticket and its ticket:created.
  await TicketModel.collection.insertOne({ ...row, ...ticketEvents.insertFields(pending.events) });
  ticketEvents.committed(row._id, pending.events);
  return ticket;
}

/** The ticket, or null when there is none with that id (a malformed id names none). */
export async function findTicket(id: string): Promise<Ticket | null> {
  if (!isObjectId(id)) return null;
  // Through the driver: the row maps straight to the JSON shape, with no mongoose query or document
  // built and thrown away (the id is known to be well-formed, so there is nothing to cast).
  const row = await TicketModel.collection.findOne<TicketRow>({ _id: new mongoose.Types.ObjectId(id) });
  return row ? toTicket(row) : null;
}

/** One page of the tickets that are for sale (not reserved by an order), oldest first. */
export async function listAvailableTickets(page: PageRequest = { limit: DEFAULT_PAGE_LIMIT }): Promise<Page<Ticket>> {
  const rows = await TicketModel.find({ orderId: null, ...afterCondition(page) })
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .lean<TicketRow[]>();
  return toPage(rows, page, toTicket);
}

/**
 * The owner's edit, one conditional write (owner, not reserved) with its ticket:updated. Throws
 * NotFoundError (unknown or malformed id), NotAuthorizedError (not the owner), BadRequestError
 * (reserved). Concurrent edits are applied one after another by the database, each on the version the
 * previous one left, so no edit is lost and the versions have no gaps.
 */
export async function updateTicket(id: string, userId: string, changes: TicketChanges): Promise<Ticket> {
  if (!isObjectId(id)) throw new NotFoundError();
  const _id = new mongoose.Types.ObjectId(id);
  assertValidTicket({ title: changes.title, price: changes.price, userId });
  // The write matched nothing only when one of the conditions failed when it ran; a second try covers
  // a ticket that was reserved then and released since the read that says why.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const ticket = await changeTicket(_id, { userId, orderId: null }, { title: changes.title, price: changes.price });
    if (ticket) return ticket;
    const row = await TicketModel.collection.findOne<Pick<TicketRow, 'userId' | 'orderId'>>(
      { _id },
      { projection: { userId: 1, orderId: 1 } },
    );
    if (!row) throw new NotFoundError();
    if (row.userId !== userId) throw new NotAuthorizedError();
    if (row.orderId) throw new BadRequestError('Cannot edit a reserved ticket');
  }
  throw new ConflictError('The ticket was changed by another request; try again');
}
