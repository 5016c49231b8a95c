import type { Logger } from '@ticketing/common/core';
import { PaymentModel, toPayment, type Payment } from '../models/payment';
import type { PaymentProvider } from '../stripe-provider';
import { ordersWithRefundDue, recordSucceeded, refundIfDue, releaseClaim } from './payments';

export interface ReconcileOptions {
  provider: PaymentProvider;
  logger: Logger;
  /** A claim with no succeeded intent is released once it is older than this (default 2 minutes). */
  claimGraceMs?: number;
  now?: () => Date;
  /** Claims looked at per pass. */
  batchSize?: number;
}

export interface ReconcileReport {
  recorded: string[];
  released: string[];
  refunded: string[];
}

/** Longer than the SDK's worst case (3 tries of 20 s), so a live request's claim is never released under it. */
export const DEFAULT_CLAIM_GRACE_MS = 120_000;

type ClaimOutcome = 'recorded' | 'released' | 'refunded' | 'kept';

async function resolveClaim(claim: Payment, options: ReconcileOptions, now: Date): Promise<ClaimOutcome> {
  const intents = await options.provider.succeededIntents(claim.orderId);
  const intent = intents.find((candidate) => candidate.attempt === claim.attempt) ?? intents[0];
  if (intent) {
    const result = await recordSucceeded(claim.orderId, claim.attempt, intent.id);
    if (result.payment.refundDue) {
      await refundIfDue(claim.orderId, options.provider);
      return 'refunded';
    }
    return result.recorded ? 'recorded' : 'kept';
  }
  const graceMs = options.claimGraceMs ?? DEFAULT_CLAIM_GRACE_MS;
  if (now.getTime() - claim.claimedAt.getTime() < graceMs) return 'kept';
  return (await releaseClaim(claim)) ? 'released' : 'kept';
}

/**
 * One reconciliation pass: each pending claim is resolved against Stripe (a succeeded intent found by
 * metadata is recorded once, or refunded if the order is cancelled; a claim with none is released after
 * the grace period), and refunds still due are retried. One failure does not stop the pass.
 */
export async function reconcileOnce(options: ReconcileOptions): Promise<ReconcileReport> {
  const now = (options.now ?? (() => new Date()))();
  const report: ReconcileReport = { recorded: [], released: [], refunded: [] };
  const claims = await PaymentModel.find({ status: 'pending' })
    .sort({ claimedAt: 1 })
    .limit(options.batchSize ?? 100)
    .lean();
  for (const claim of claims.map(toPayment)) {
    try {
      const outcome = await resolveClaim(claim, options, now);
      if (outcome !== 'kept') report[outcome].push(claim.orderId);
    } catch (error) {
      options.logger.error({ err: error, orderId: claim.orderId }, 'Could not reconcile a pending payment');
    }
  }
  for (const orderId of await ordersWithRefundDue(options.batchSize)) {
    try {
      if (await refundIfDue(orderId, options.provider)) report.refunded.push(orderId);
    } catch (error) {
      options.logger.error({ err: error, orderId }, 'Could not refund a payment of a cancelled order');
    }
  }
  return report;
}
