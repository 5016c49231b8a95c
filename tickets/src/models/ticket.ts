import mongoose, { HydratedDocument, Model, Schema, Types } from 'mongoose';
import { updateIfCurrentPlugin } from '@ticketing/common/http';
import type { Ticket as TicketView, TicketAttrs } from '../domain/ticket';

/** What the tickets collection stores besides `_id`. */
export interface TicketFields extends TicketAttrs {
  /** The order holding the ticket; absent while the ticket is for sale. */
  orderId?: string;
  /**
   * The highest reservation number (TicketReservation) of the order events handled for this ticket;
   * absent before the first. Not part of the ticket's JSON or events.
   */
  reservation?: number;
  /** 0 when created, +1 on every saved change (optimistic concurrency). */
  version: number;
}

/** What `Ticket.build` takes: the attributes, and an `_id` when the id is known already. */
export interface TicketBuildAttrs extends TicketAttrs {
  _id?: string | Types.ObjectId;
}

export type TicketDoc = HydratedDocument<TicketFields>;

export interface TicketModel extends Model<TicketFields> {
  /** A new, unsaved ticket (the course's `Ticket.build(attrs)`). */
  build(attrs: TicketBuildAttrs): TicketDoc;
}

/** The plain ticket of a stored one: `_id` becomes `id`, and `orderId` appears only while reserved. */
function toView(ret: { _id: Types.ObjectId } & TicketFields): TicketView {
  return {
    id: ret._id.toHexString(),
    title: ret.title,
    price: ret.price,
    userId: ret.userId,
    version: ret.version,
    ...(ret.orderId ? { orderId: ret.orderId } : {}),
  };
}

const ticketSchema = new Schema<TicketFields>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    userId: { type: String, required: true },
    orderId: { type: String },
    reservation: { type: Number, min: 1 },
  },
  {
    // The plugin conditions every save on the version read and increments it, so a stale save fails
    // with a VersionError instead of overwriting a newer change.
    versionKey: 'version',
    toJSON: { transform: (_doc, ret) => toView(ret as unknown as { _id: Types.ObjectId } & TicketFields) },
  },
);
ticketSchema.plugin(updateIfCurrentPlugin);
// GET /api/tickets pages through the tickets that are not reserved in `_id` order: one index range per page.
ticketSchema.index({ orderId: 1, _id: 1 });
ticketSchema.statics.build = function build(this: Model<TicketFields>, attrs: TicketBuildAttrs): TicketDoc {
  return new this(attrs);
};

export const Ticket = mongoose.model<TicketFields, TicketModel>('Ticket', ticketSchema);

/** A ticket as a lean read returns it. */
export type TicketRow = { _id: Types.ObjectId } & TicketFields;

/** The plain ticket (what the domain returns) of a ticket document or a lean row. */
export function toTicket(doc: TicketDoc | TicketRow): TicketView {
  return toView(doc);
}
