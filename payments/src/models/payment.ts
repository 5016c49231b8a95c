import mongoose, { Model, Schema, Types } from 'mongoose';

/**
 * `pending`: the claim — the order is being charged (one row per order, so only one charge at a time).
 * `succeeded`: charged. `refunded`: charged, then refunded because the order was cancelled.
 */
export type PaymentStatus = 'pending' | 'succeeded' | 'refunded';

/** A payment as the domain sees it. */
export interface Payment {
  id: string;
  orderId: string;
  userId: string;
  attempt: number;
  amount: number;
  currency: string;
  status: PaymentStatus;
  stripeId?: string;
  /** A succeeded payment of a cancelled order, waiting for its refund. */
  refundDue: boolean;
  claimedAt: Date;
}

export interface PaymentFields {
  _id: Types.ObjectId;
  orderId: string;
  userId: string;
  attempt: number;
  amount: number;
  currency: string;
  status: PaymentStatus;
  stripeId?: string;
  refundDue?: boolean;
  claimedAt: Date;
}

const paymentSchema = new Schema<PaymentFields>(
  {
    orderId: { type: String, required: true },
    userId: { type: String, required: true },
    attempt: { type: Number, required: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'succeeded', 'refunded'] },
    stripeId: { type: String },
    refundDue: { type: Boolean },
    claimedAt: { type: Date, required: true },
  },
  { collection: 'payments', versionKey: false },
);
// The claim: one payment per order, so concurrent requests serialise on this index and only one charges.
paymentSchema.index({ orderId: 1 }, { unique: true });
paymentSchema.index({ status: 1, claimedAt: 1 });
paymentSchema.index({ refundDue: 1 }, { sparse: true });

export const PaymentModel: Model<PaymentFields> = mongoose.model<PaymentFields>('Payment', paymentSchema);

/** Builds an unsaved claim (the static `build` of the course). */
export function buildPayment(attrs: Omit<Payment, 'id' | 'refundDue' | 'stripeId'> & { stripeId?: string }) {
  return new PaymentModel(attrs);
}

export function toPayment(fields: PaymentFields): Payment {
  return {
    id: fields._id.toHexString(),
    orderId: fields.orderId,
    userId: fields.userId,
    attempt: fields.attempt,
    amount: fields.amount,
    currency: fields.currency,
    status: fields.status,
    ...(fields.stripeId ? { stripeId: fields.stripeId } : {}),
    refundDue: fields.refundDue === true,
    claimedAt: fields.claimedAt,
  };
}
