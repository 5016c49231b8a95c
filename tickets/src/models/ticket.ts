import mongoose, { HydratedDocument, Model, Schema } from 'mongoose';
import { updateIfCurrentPlugin } from 'mongoose-update-if-current';

/** What a ticket is created from. */
export interface TicketAttrs {
  title: string;
  price: number;
  userId: string;
}

export interface TicketFields extends TicketAttrs {
  /** The order holding the ticket; absent while the ticket is for sale. */
  orderId?: string;
  /** 0 when created, +1 on every saved change (optimistic concurrency). */
  version: number;
}

/** The public shape (HTTP responses). */
export interface TicketJson {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}

export type TicketModel = Model<TicketFields>;
export type TicketDoc = HydratedDocument<TicketFields>;

const ticketSchema = new Schema<TicketFields, TicketModel>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    userId: { type: String, required: true },
    orderId: { type: String },
  },
  {
    // The plugin conditions every save on the version read and increments it, so a stale save fails
    // with a VersionError instead of overwriting a newer change.
    versionKey: 'version',
    toJSON: {
      transform: (_doc, ret): TicketJson => ({
        id: String(ret._id),
        title: ret.title,
        price: ret.price,
        userId: ret.userId,
        version: ret.version,
        ...(ret.orderId ? { orderId: ret.orderId } : {}),
      }),
    },
  },
);
ticketSchema.plugin(updateIfCurrentPlugin);
// GET /api/tickets lists the tickets that are not reserved.
ticketSchema.index({ orderId: 1 });

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);

/** True for the 24-hex-digit strings MongoDB ids are; anything else cannot name a ticket. */
export function isTicketId(value: string): boolean {
  return /^[0-9a-fA-F]{24}$/.test(value);
}
