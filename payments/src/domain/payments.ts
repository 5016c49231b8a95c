import { OrderStatus } from '@ticketing/common/contracts';
import type { Logger } from '@ticketing/common/core';
import { BadRequestError, isDuplicateKeyError, NotAuthorizedError, NotFoundError } from '@ticketing/common/http';
import { PaymentDeclinedError, PaymentProviderError } from '../errors/payment-declined-error';
import { PaymentCreatedPublisher } from '../events/publishers/payment-created-publisher';
import { OrderModel } from '../models/order';
import { buildPayment, Payment, PaymentModel, toPayment } from '../models/payment';
import { outbox } from '../outbox';
import type { PaymentProvider } from '../stripe-provider';
import { toMinorUnits } from './amount';
import { findOrder } from './orders';

export const CANCELLED_MESSAGE = 'Cannot pay for a cancelled order';
export const ALREADY_PAID_MESSAGE = 'Order has already been paid';
export const IN_PROGRESS_MESSAGE = 'A payment for this order is already in progress';

export interface PaymentDeps {
  provider: PaymentProvider;
  currency: string;
  logger: Logger;
}

export interface PayRequest {
  orderId: string;
  userId: string;
  token: string;
}

/** The key Stripe de-duplicates a charge by: one per order and claim attempt (see docs/payments.md). */
export function chargeIdempotencyKey(orderId: string, attempt: number): string {
  return `${orderId}:${attempt}`;
}

function alreadyPaid(payment: Pick<Payment, 'status'>): BadRequestError {
  return new BadRequestError(payment.status === 'pending' ? IN_PROGRESS_MESSAGE : ALREADY_PAID_MESSAGE);
}

/**
 * Claims the order: a new attempt number (on the replica, refused if it is cancelled), then the unique
 * pending payment row. A concurrent request fails on the unique index and answers 400.
 */
async function claim(request: PayRequest, currency: string): Promise<Payment> {
  const order = await findOrder(request.orderId);
  if (!order) throw new NotFoundError();
  if (order.userId !== request.userId) throw new NotAuthorizedError();
  if (order.status === OrderStatus.Cancelled) throw new BadRequestError(CANCELLED_MESSAGE);
  const existing = await PaymentModel.findOne({ orderId: order.id }).lean();
  if (existing) throw alreadyPaid(existing);
  const counted = await OrderModel.findOneAndUpdate(
    { _id: order.id, status: { $ne: OrderStatus.Cancelled } },
    { $inc: { paymentAttempts: 1 } },
    { new: true },
  ).lean();
  if (!counted) throw new BadRequestError(CANCELLED_MESSAGE);
  const attrs = {
    orderId: order.id,
    userId: order.userId,
    attempt: counted.paymentAttempts,
    amount: toMinorUnits(counted.price),
    currency,
    status: 'pending' as const,
    claimedAt: new Date(),
  };
  try {
    return toPayment((await buildPayment(attrs).save()).toObject());
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await PaymentModel.findOne({ orderId: order.id }).lean();
    throw alreadyPaid(winner ?? { status: 'pending' });
  }
}

/** Removes a claim whose charge certainly did not happen, so the order can be paid again. */
export async function releaseClaim(claimed: Pick<Payment, 'orderId' | 'attempt'>): Promise<boolean> {
  const { deletedCount } = await PaymentModel.deleteOne({ orderId: claimed.orderId, attempt: claimed.attempt, status: 'pending' });
  return deletedCount === 1;
}

export interface RecordResult {
  payment: Payment;
  /** True when this call turned the claim into a succeeded payment (false: someone else did first). */
  recorded: boolean;
  orderCancelled: boolean;
}

/**
 * Turns the pending claim into a succeeded payment and, unless the order is cancelled, writes
 * payment:created (version 0) in the same transaction. It writes the order row too, so it serialises
 * with order:cancelled (a write conflict retries the later one): either the cancellation sees this
 * payment and marks it for refund, or this sees the cancellation and marks it here. Safe to repeat.
 */
export async function recordSucceeded(orderId: string, attempt: number, intentId: string): Promise<RecordResult> {
  return outbox.transaction(async (tx) => {
    const order = await OrderModel.findOneAndUpdate(
      { _id: orderId },
      { $set: { paidAt: new Date() } },
      { new: true, session: tx.session },
    ).lean();
    const orderCancelled = order?.status === OrderStatus.Cancelled;
    const updated = await PaymentModel.findOneAndUpdate(
      { orderId, attempt, status: 'pending' },
      { $set: { status: 'succeeded', stripeId: intentId, ...(orderCancelled ? { refundDue: true } : {}) } },
      { new: true, session: tx.session },
    ).lean();
    if (!updated) {
      const current = await PaymentModel.findOne({ orderId }).session(tx.session).orFail().lean();
      return { payment: toPayment(current), recorded: false, orderCancelled };
    }
    const payment = toPayment(updated);
    if (!orderCancelled) {
      await new PaymentCreatedPublisher(tx).publish({ id: payment.id, version: 0, orderId, stripeId: intentId });
    }
    return { payment, recorded: true, orderCancelled };
  });
}

/**
 * Refunds the order's succeeded payment when it is marked for refund (its order was cancelled), then
 * marks it refunded. Safe to retry: Stripe's idempotency key is `refund:<orderId>`.
 */
export async function refundIfDue(orderId: string, provider: PaymentProvider): Promise<Payment | null> {
  const due = await PaymentModel.findOne({ orderId, status: 'succeeded', refundDue: true }).lean();
  if (!due?.stripeId) return null;
  await provider.refund(due.stripeId, orderId);
  const refunded = await PaymentModel.findOneAndUpdate(
    { _id: due._id, status: 'succeeded' },
    { $set: { status: 'refunded' }, $unset: { refundDue: 1 } },
    { new: true },
  ).lean();
  return refunded ? toPayment(refunded) : null;
}

/** Every order with a refund still due (a refund that failed earlier is retried by the reconciliation job). */
export async function ordersWithRefundDue(limit = 100): Promise<string[]> {
  const rows = await PaymentModel.find({ refundDue: true, status: 'succeeded' }).limit(limit).lean();
  return rows.map((row) => row.orderId);
}

/**
 * POST /api/payments: claim, charge the replica's price once, record. 404/401/400 before any charge;
 * 402 declined (the claim is released); 400 when the order was cancelled while it was being charged
 * (the charge is refunded).
 */
export async function pay(request: PayRequest, deps: PaymentDeps): Promise<Payment> {
  const claimed = await claim(request, deps.currency);
  const result = await deps.provider.charge({
    orderId: claimed.orderId,
    attempt: claimed.attempt,
    amount: claimed.amount,
    currency: claimed.currency,
    token: request.token,
    idempotencyKey: chargeIdempotencyKey(claimed.orderId, claimed.attempt),
  });
  if (result.kind === 'declined' || result.kind === 'rejected') {
    await releaseClaim(claimed);
    if (result.kind === 'declined') throw new PaymentDeclinedError(result.message);
    throw new BadRequestError(result.message);
  }
  if (result.kind === 'unknown') {
    deps.logger.warn(
      { orderId: claimed.orderId, attempt: claimed.attempt, err: result.message },
      'Charge outcome unknown; left to reconciliation',
    );
    throw new PaymentProviderError();
  }
  const recorded = await recordSucceeded(claimed.orderId, claimed.attempt, result.intentId);
  if (recorded.payment.refundDue || recorded.orderCancelled) {
    await refundIfDue(claimed.orderId, deps.provider);
    throw new BadRequestError(CANCELLED_MESSAGE);
  }
  return recorded.payment;
}

/** GET /api/payments?orderId=: the caller's succeeded or refunded payments of that order. */
export async function listPayments(orderId: string, userId: string): Promise<Payment[]> {
  const rows = await PaymentModel.find({ orderId, userId, status: { $in: ['succeeded', 'refunded'] } })
    .sort({ _id: 1 })
    .lean();
  return rows.map(toPayment);
}
