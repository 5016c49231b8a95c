import mongoose, { ClientSession, HydratedDocument, Model, Schema, Types } from 'mongoose';
import { updateIfCurrentPlugin } from '@ticketing/common/http';
import type { Ticket as TicketData } from '../domain/types';

/** What a replica ticket is created from: the tickets service's `ticket:created` data. */
export interface TicketAttrs {
  /** The tickets service's id, kept as this replica's `_id`. */
  id: string;
  title: string;
  price: number;
  version: number;
}

interface TicketFields {
  _id: Types.ObjectId;
  title: string;
  price: number;
  version: number;
  /**
   * How many orders were placed for the ticket here (absent: none). Not the tickets service's: this
   * service numbers the ticket's orders, and each order's events carry its number (TicketReservation).
   */
  reservations?: number;
}

interface TicketStatics {
  build(attrs: TicketAttrs): TicketDoc;
  /** Inserts a replica at the tickets service's version unless one is there: one write; true if it inserted. */
  insertReplicaIfAbsent(attrs: TicketAttrs): Promise<boolean>;
  /** Sets the replica to `attrs` when it is at `attrs.version - 1`: one conditional write; true if it matched. */
  applyNextVersion(attrs: TicketAttrs): Promise<boolean>;
  /** The replica's version, or null when there is no replica. */
  storedVersion(id: string): Promise<number | null>;
  /**
   * Counts one more order for the ticket in `session` and returns the replica with the new count, or
   * null when there is no replica. One write: it also makes concurrent placements for the ticket conflict.
   */
  numberNextOrder(id: string, session?: ClientSession | null): Promise<(TicketRow & { reservations: number }) | null>;
}

export type TicketModel = Model<TicketFields> & TicketStatics;
export type TicketDoc = HydratedDocument<TicketFields>;
/** A replica ticket as a lean read returns it. */
export type TicketRow = TicketFields;

/** The plain replica ticket. */
export function toTicket(ticket: Pick<TicketFields, '_id' | 'title' | 'price' | 'version'>): TicketData {
  return { id: ticket._id.toHexString(), title: ticket.title, price: ticket.price, version: ticket.version };
}

const ticketSchema = new Schema<TicketFields, TicketModel>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    reservations: { type: Number, min: 0 },
  },
  {
    // Replica versions follow the tickets service's: each applied ticket:updated is local + 1.
    versionKey: 'version',
    toJSON: { transform: (doc) => toTicket(doc) },
  },
);
// The plugin's typings predate mongoose 8's generic schemas; it only reads the version key.
(ticketSchema as unknown as Schema).plugin(updateIfCurrentPlugin);

ticketSchema.static('build', function build(this: TicketModel, attrs: TicketAttrs): TicketDoc {
  return new this({ _id: new Types.ObjectId(attrs.id), title: attrs.title, price: attrs.price, version: attrs.version });
});

// The replica's writes go through the driver: the event data was checked against the contract when it
// was parsed (title a string, price a finite number >= 0), so mongoose's casting and update validators
// would check it again, at about twice the CPU of the write itself.
ticketSchema.static('insertReplicaIfAbsent', async function insertReplicaIfAbsent(this: TicketModel, attrs: TicketAttrs): Promise<boolean> {
  // An upsert that only inserts: an existing replica (a redelivery) matches and is left as it is.
  const result = await this.collection.updateOne(
    { _id: new Types.ObjectId(attrs.id) },
    { $setOnInsert: { title: attrs.title, price: attrs.price, version: attrs.version } },
    { upsert: true },
  );
  return result.upsertedCount === 1;
});

ticketSchema.static('applyNextVersion', async function applyNextVersion(this: TicketModel, attrs: TicketAttrs): Promise<boolean> {
  const result = await this.collection.updateOne(
    { _id: new Types.ObjectId(attrs.id), version: attrs.version - 1 },
    { $set: { title: attrs.title, price: attrs.price, version: attrs.version } },
  );
  return result.matchedCount === 1;
});

ticketSchema.static('storedVersion', async function storedVersion(this: TicketModel, id: string): Promise<number | null> {
  const row = await this.findById(id).select({ version: 1 }).lean();
  return row ? row.version : null;
});

ticketSchema.static('numberNextOrder', async function numberNextOrder(this: TicketModel, id: string, session: ClientSession | null = null) {
  // `id` is 24 hex digits (the route checks it).
  const row = await this.collection.findOneAndUpdate(
    { _id: new Types.ObjectId(id) },
    { $inc: { reservations: 1 } },
    { returnDocument: 'after', session: session ?? undefined },
  );
  return row ? { ...(row as TicketRow), reservations: (row as TicketRow).reservations ?? 1 } : null;
});

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);
