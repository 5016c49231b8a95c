import mongoose, { Model, Schema } from 'mongoose';

/**
 * What the tickets service has seen of one order. order:created and order:cancelled arrive through
 * separate consumers, so a cancellation can be handled before its creation (after a redelivery, or
 * when the service catches up after an outage). Both listeners write this document in their
 * transaction, which serialises them (a write conflict retries the later one), and the creation
 * reads `cancelledAt` so a late order:created never reserves a ticket for an order already cancelled.
 */
export interface OrderMarker {
  /** The order id. */
  _id: string;
  ticketId: string;
  createdSeenAt?: Date;
  cancelledAt?: Date;
  updatedAt: Date;
}

/** How long markers are kept, and so how long a repeated order event is recognised: 30 days, as an inbox keeps its records. */
export const ORDER_MARKER_RETENTION_SECONDS = 30 * 24 * 3600;

const orderMarkerSchema = new Schema<OrderMarker>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    createdSeenAt: { type: Date },
    cancelledAt: { type: Date },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'order_markers', versionKey: false },
);
orderMarkerSchema.index({ updatedAt: 1 }, { expireAfterSeconds: ORDER_MARKER_RETENTION_SECONDS });

export const OrderMarkerModel: Model<OrderMarker> = mongoose.model<OrderMarker>('OrderMarker', orderMarkerSchema);
