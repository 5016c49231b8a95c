import { OrderStatus } from '@ticketing/common/contracts';
import mongoose, { Model, Schema, type mongo } from 'mongoose';

/** The payments service's replica of an order, as order:created and order:cancelled describe it. */
export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  /** The ticket's price when the order was placed (the snapshot the buyer is charged). */
  price: number;
  version: number;
  /** Claims made so far (each claim's attempt number; it only grows, so every attempt has its own idempotency key). */
  paymentAttempts: number;
}

export interface OrderFields {
  /** The order id. */
  _id: string;
  userId: string;
  status: OrderStatus;
  price: number;
  version: number;
  paymentAttempts: number;
  /** Set when a succeeded payment is recorded: the write that serialises it with a cancellation. */
  paidAt?: Date;
}

const orderSchema = new Schema<OrderFields>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus) },
    price: { type: Number, required: true, min: 0 },
    // Versions are applied by the listeners' conditional updates (version == local + 1), not by a plugin.
    version: { type: Number, required: true },
    paymentAttempts: { type: Number, required: true, default: 0 },
    paidAt: { type: Date },
  },
  { collection: 'orders', versionKey: false },
);

export const OrderModel: Model<OrderFields> = mongoose.model<OrderFields>('Order', orderSchema);

/** The replicas' collection as the driver sees it, typed by its documents (whose `_id` is the order id). */
export const orderReplicas = (): mongo.Collection<OrderFields> => OrderModel.collection as unknown as mongo.Collection<OrderFields>;

/** Builds an unsaved replica row (the static `build` of the course). */
export function buildOrder(attrs: Omit<Order, 'paymentAttempts'> & { paymentAttempts?: number }) {
  return new OrderModel({ _id: attrs.id, ...attrs, paymentAttempts: attrs.paymentAttempts ?? 0 });
}

export function toOrder(fields: OrderFields): Order {
  return {
    id: fields._id,
    userId: fields.userId,
    status: fields.status,
    price: fields.price,
    version: fields.version,
    paymentAttempts: fields.paymentAttempts,
  };
}
