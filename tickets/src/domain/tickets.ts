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
import { TicketCreatedEvent, TicketUpdatedEvent } from '@ticketing/common/contracts';
import mongoose from 'mongoose';
import { TicketCreatedPublisher } from '../events/publishers/ticket-created-publisher';
import { TicketUpdatedPublisher } from '../events/publishers/ticket-updated-publisher';
import { Ticket as TicketModel, TicketRow, toTicket } from '../models/ticket';
import { outbox } from '../outbox';
import type { Ticket, TicketAttrs, TicketChanges } from './ticket';

// The domain of the tickets service. Every change saves the ticket and appends its event to the outbox
// in one transaction, so an event is published if and only if its change committed.

export type { Ticket, TicketAttrs, TicketChanges } from './ticket';
export type { Page, PageRequest } from '@ticketing/common/http';

/** How many times a request re-runs after losing a version race before it answers 409. */
export const MAX_VERSION_RETRIES = 5;

export function ticketCreatedData(ticket: Ticket): TicketCreatedEvent['data'] {
  return { id: ticket.id, version: ticket.version, title: ticket.title, price: ticket.price, userId: ticket.userId };
}

export function ticketUpdatedData(ticket: Ticket): TicketUpdatedEvent['data'] {
  // orderId only while reserved: the key is left out, never null, so the event matches the contract.
  return { ...ticketCreatedData(ticket), ...(ticket.orderId ? { orderId: ticket.orderId } : {}) };
}

/** An edit's write, conditioned on the version it read, matched nothing: the ticket changed in between. */
class LostVersionRaceError extends Error {
  constructor(readonly ticketId: string) {
    super(`Ticket ${ticketId} changed after it was read`);
    this.name = 'LostVersionRaceError';
  }
}

/**
 * Runs `fn` again when it lost the optimistic-concurrency race (the transaction's own retry covers write
 * conflicts; a lost race means the ticket changed between the read and the conditional write). After
 * `MAX_VERSION_RETRIES` re-runs it gives up with 409.
 */
async function retryOnLostVersionRace<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof LostVersionRaceError)) throw error;
      if (attempt >= MAX_VERSION_RETRIES) throw new ConflictError('The ticket was changed by another request; try again');
    }
  }
}

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
  return outbox.transaction(async (tx) => {
    await TicketModel.collection.insertOne(row, { session: tx.session });
    const ticket = toTicket(row);
    await new TicketCreatedPublisher(tx).publish(ticketCreatedData(ticket));
    return ticket;
  });
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
 * The owner's edit. Throws NotFoundError (unknown or malformed id), NotAuthorizedError (not the
 * owner), BadRequestError (reserved). Concurrent edits are applied one after another: a loser re-runs
 * on the fresh ticket, so no edit is lost and the versions have no gaps.
 */
export async function updateTicket(id: string, userId: string, changes: TicketChanges): Promise<Ticket> {
  if (!isObjectId(id)) throw new NotFoundError();
  const _id = new mongoose.Types.ObjectId(id);
  return retryOnLostVersionRace(() =>
    outbox.transaction(async (tx) => {
      // Through the driver, as createTicket writes: a read row and one write conditioned on its version
      // (version + 1, as the version plugin would), with no mongoose document built and saved.
      const row = await TicketModel.collection.findOne<TicketRow>({ _id }, { session: tx.session });
      if (!row) throw new NotFoundError();
      if (row.userId !== userId) throw new NotAuthorizedError();
      if (row.orderId) throw new BadRequestError('Cannot edit a reserved ticket');
      const edited: TicketRow = { ...row, title: changes.title, price: changes.price, version: row.version + 1 };
      assertValidTicket(edited);
      const written = await TicketModel.collection.updateOne(
        { _id, version: row.version },
        { $set: { title: edited.title, price: edited.price }, $inc: { version: 1 } },
        { session: tx.session },
      );
      if (written.matchedCount === 0) throw new LostVersionRaceError(id);
      const ticket = toTicket(edited);
      await new TicketUpdatedPublisher(tx).publish(ticketUpdatedData(ticket));
      return ticket;
    }),
  );
}
