import mongoose, { ClientSession, HydratedDocument, Model, Schema, Types } from 'mongoose';
import { updateIfCurrentPlugin } from 'mongoose-update-if-current';
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
}

interface TicketStatics {
  build(attrs: TicketAttrs): TicketDoc;
  /** Inserts a replica with the tickets service's version (mongoose always inserts version 0). */
  insertReplica(attrs: TicketAttrs, session?: ClientSession | null): Promise<void>;
}

export type TicketModel = Model<TicketFields> & TicketStatics;
export type TicketDoc = HydratedDocument<TicketFields>;

/** The plain replica ticket. */
export function toTicket(ticket: Pick<TicketFields, '_id' | 'title' | 'price' | 'version'>): TicketData {
  return { id: ticket._id.toHexString(), title: ticket.title, price: ticket.price, version: ticket.version };
}

const ticketSchema = new Schema<TicketFields, TicketModel>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
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

ticketSchema.static(
  'insertReplica',
  async function insertReplica(this: TicketModel, attrs: TicketAttrs, session: ClientSession | null = null): Promise<void> {
    const ticket = this.build(attrs);
    await ticket.save({ session });
    if (attrs.version !== ticket.version) {
      await this.updateOne({ _id: ticket._id }, { $set: { version: attrs.version } }).session(session);
    }
  },
);

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);
