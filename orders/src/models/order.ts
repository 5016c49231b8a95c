import { OrderStatus } from '@ticketing/common/contracts';
import mongoose, { HydratedDocument, Model, Schema, Types } from 'mongoose';
import { updateIfCurrentPlugin } from 'mongoose-update-if-current';
import { ticketJson, type TicketDoc, type TicketJson } from './ticket';

export { OrderStatus };

/** What an order is created from. */
export interface OrderAttrs {
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  ticket: TicketDoc | Types.ObjectId;
}

interface OrderFields {
  _id: Types.ObjectId;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  /** A replica ticket's id, or the ticket itself once populated. */
  ticket: Types.ObjectId | TicketDoc;
  /**
   * Derived from `status` on every save: true while the order holds its ticket (not cancelled). The
   * unique partial index on `{ticket}` over active orders is what makes double booking impossible.
   */
  active: boolean;
  version: number;
}

interface OrderStatics {
  build(attrs: OrderAttrs): OrderDoc;
}

export type OrderModel = Model<OrderFields> & OrderStatics;
export type OrderDoc = HydratedDocument<OrderFields>;

export interface OrderJson {
  id: string;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  version: number;
  ticket: TicketJson | { id: string };
}

/** The index that allows one active order per ticket; its name shows up in duplicate-key errors. */
export const ACTIVE_ORDER_INDEX = 'ticket_1_active_order';

function isPopulatedTicket(ticket: OrderFields['ticket']): ticket is TicketDoc {
  return !(ticket instanceof Types.ObjectId);
}

export function ticketIdOf(order: Pick<OrderFields, 'ticket'>): string {
  return isPopulatedTicket(order.ticket) ? order.ticket._id.toHexString() : order.ticket.toHexString();
}

/** The public shape; the ticket is embedded when it was populated, else only its id. */
export function orderJson(order: OrderFields): OrderJson {
  return {
    id: order._id.toHexString(),
    userId: order.userId,
    status: order.status,
    expiresAt: order.expiresAt,
    version: order.version,
    ticket: isPopulatedTicket(order.ticket) ? ticketJson(order.ticket) : { id: order.ticket.toHexString() },
  };
}

const orderSchema = new Schema<OrderFields, OrderModel>(
  {
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus), default: OrderStatus.Created },
    expiresAt: { type: Date, required: true },
    ticket: { type: Schema.Types.ObjectId, ref: 'Ticket', required: true },
    active: { type: Boolean, required: true, default: true },
  },
  {
    versionKey: 'version',
    toJSON: { transform: (doc) => orderJson(doc) },
  },
);
// The plugin's typings predate mongoose 8's generic schemas; it only reads the version key.
(orderSchema as unknown as Schema).plugin(updateIfCurrentPlugin);

// At most one order per ticket that is not cancelled. MongoDB's partial filters cannot say
// `status: {$in: [...]}` or `$ne`, hence the derived boolean.
orderSchema.index({ ticket: 1 }, { unique: true, partialFilterExpression: { active: true }, name: ACTIVE_ORDER_INDEX });
// The expiry sweeper's query.
orderSchema.index({ status: 1, expiresAt: 1 });
// GET /api/orders.
orderSchema.index({ userId: 1 });

orderSchema.pre('validate', function deriveActive() {
  this.active = this.status !== OrderStatus.Cancelled;
});

orderSchema.static('build', function build(this: OrderModel, attrs: OrderAttrs): OrderDoc {
  return new this(attrs);
});

export const Order = mongoose.model<OrderFields, OrderModel>('Order', orderSchema);
