import { OrderStatus } from '@ticketing/common/contracts';
import mongoose, { ClientSession, FilterQuery, HydratedDocument, Model, Schema, Types } from 'mongoose';
import { updateIfCurrentPlugin } from '@ticketing/common/http';
import type { Order as OrderData, TicketSnapshot } from '../domain/types';

export { OrderStatus };

/** What an order is created from: the ticket is a copy of the replica at order time, not a reference. */
export interface OrderAttrs {
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  ticket: TicketSnapshot;
  /** Which of the ticket's orders this is (1, 2, ...): the replica's count when it was placed. */
  reservation: number;
}

interface OrderFields {
  _id: Types.ObjectId;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  /** The ticket as it was when the order was placed; a seller's later edit does not change it. */
  ticket: TicketSnapshot;
  /**
   * Derived from `status` on every save: true while the order holds its ticket (not cancelled). The
   * unique partial index on `{ticket.id}` over active orders is what makes double booking impossible.
   */
  active: boolean;
  /** Which of the ticket's orders this is; its events carry it (TicketReservation). Not in the JSON. */
  reservation: number;
  version: number;
}

interface OrderStatics {
  build(attrs: OrderAttrs): OrderDoc;
}

export type OrderModel = Model<OrderFields> & OrderStatics;
/** An order as a lean read returns it. */
export type OrderRow = OrderFields;
export type OrderDoc = HydratedDocument<OrderFields>;

/** The statuses in which an order holds its ticket (every one but cancelled). */
export const RESERVING_STATUSES: readonly OrderStatus[] = [OrderStatus.Created, OrderStatus.AwaitingPayment, OrderStatus.Complete];

/**
 * The statuses in which an order counts against its buyer's MAX_ACTIVE_ORDERS_PER_USER: holding a
 * ticket while not yet paid. A complete order is paid (the ticket is the buyer's), a cancelled one holds
 * nothing; a `created` order past its `expiresAt` is not counted either, even before the sweeper runs.
 */
export const UNPAID_HOLDING_STATUSES = [OrderStatus.Created, OrderStatus.AwaitingPayment] as const;

/** The index that allows one active order per ticket; its name shows up in duplicate-key errors. */
export const ACTIVE_ORDER_INDEX = 'ticket_id_1_active_order';

/** The plain order, in the contract's shape. */
export function toOrder(order: OrderFields): OrderData {
  const { id, title, price, version } = order.ticket;
  return {
    id: order._id.toHexString(),
    userId: order.userId,
    status: order.status,
    expiresAt: order.expiresAt,
    version: order.version,
    ticket: { id, title, price, version },
  };
}

const ticketSnapshotSchema = new Schema<TicketSnapshot>(
  {
    id: { type: String, required: true, match: /^[0-9a-f]{24}$/ },
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    version: { type: Number, required: true },
  },
  { _id: false, id: false },
);

const orderSchema = new Schema<OrderFields, OrderModel>(
  {
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus), default: OrderStatus.Created },
    expiresAt: { type: Date, required: true },
    ticket: { type: ticketSnapshotSchema, required: true },
    active: { type: Boolean, required: true, default: true },
    reservation: { type: Number, required: true, min: 1 },
  },
  {
    versionKey: 'version',
    toJSON: { transform: (doc) => toOrder(doc) },
  },
);
// The plugin's typings predate mongoose 8's generic schemas; it only reads the version key.
(orderSchema as unknown as Schema).plugin(updateIfCurrentPlugin);

// At most one order per ticket that is not cancelled (complete included: a sold ticket stays sold).
// MongoDB's partial filters cannot say `status: {$in: [...]}` or `$ne`, hence the derived boolean.
orderSchema.index({ 'ticket.id': 1 }, { unique: true, partialFilterExpression: { active: true }, name: ACTIVE_ORDER_INDEX });
// The expiry sweeper's query.
orderSchema.index({ status: 1, expiresAt: 1 });
// GET /api/orders pages through a buyer's orders in `_id` order (one index range per page); the
// active-order count uses its userId prefix.
orderSchema.index({ userId: 1, _id: 1 });

orderSchema.pre('validate', function deriveActive() {
  this.active = this.status !== OrderStatus.Cancelled;
});

orderSchema.static('build', function build(this: OrderModel, attrs: OrderAttrs): OrderDoc {
  return new this(attrs);
});

export const Order = mongoose.model<OrderFields, OrderModel>('Order', orderSchema);

/**
 * Inserts a new order (version 0) in `session` and returns it as stored. The schema's rules are checked
 * first; the row goes in through the driver, since a document save also runs the save hooks and the
 * version plugin, at about twice the CPU of checking and inserting.
 */
export async function insertOrder(attrs: OrderAttrs, session: ClientSession | null = null): Promise<OrderRow> {
  const { userId, status, expiresAt, ticket, reservation } = attrs;
  const row: OrderRow = {
    _id: new Types.ObjectId(),
    userId,
    status,
    expiresAt,
    ticket: { id: ticket.id, title: ticket.title, price: ticket.price, version: ticket.version },
    // What the validate hook derives on a save.
    active: status !== OrderStatus.Cancelled,
    reservation,
    version: 0,
  };
  const invalid = new Order(row).validateSync();
  if (invalid) throw invalid;
  await Order.collection.insertOne(row, { session: session ?? undefined });
  return row;
}

/**
 * When each order of `userId` that holds a ticket unpaid at `now` (see `UNPAID_HOLDING_STATUSES`) stops counting: its `expiresAt`, or
 * never (the far future) for one awaiting payment, which counts until it is paid or cancelled.
 */
export async function activeOrderExpiries(userId: string, now: Date, session: ClientSession | null = null): Promise<Date[]> {
  const [, awaitingPayment] = UNPAID_HOLDING_STATUSES;
  const rows = await Order.find(activeOrdersFilter(userId, now))
    .select({ _id: 0, status: 1, expiresAt: 1 })
    .session(session)
    .lean<Array<Pick<OrderFields, 'status' | 'expiresAt'>>>();
  return rows.map((row) => (row.status === awaitingPayment ? NEVER : row.expiresAt));
}

/** Later than any expiry: an entry that only a recount removes. */
const NEVER = new Date(8.64e15);

function activeOrdersFilter(userId: string, now: Date): FilterQuery<OrderFields> {
  const [created, awaitingPayment] = UNPAID_HOLDING_STATUSES;
  return { userId, $or: [{ status: created, expiresAt: { $gt: now } }, { status: awaitingPayment }] };
}
