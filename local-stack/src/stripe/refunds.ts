import { invalidParam, invalidRequest, resourceMissing } from './errors';
import { ok, type Handler } from './api';
import { optionalInteger, optionalString, readMetadata, rejectUnknown } from './form';
import { findCharge } from './charges';
import { formatMoney } from './currencies';
import { newId, unixNow, type StripeStore } from './store';
import type { ChargeObject, ListResult, RefundObject, RefundReason } from './types';

const REASONS: readonly RefundReason[] = ['duplicate', 'fraudulent', 'requested_by_customer'];

/** The charge a refund request points at: by `charge`, or the intent's successful charge. */
function chargeToRefund(store: StripeStore, chargeId: string | undefined, intentId: string | undefined): ChargeObject {
  if (chargeId === undefined && intentId === undefined) {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', {
      code: 'parameter_missing',
    });
  }
  if (intentId !== undefined) {
    const intent = store.intents.get(intentId);
    if (!intent) throw resourceMissing(`No such payment_intent: '${intentId}'`, 'payment_intent');
    const charge = typeof intent.latest_charge === 'string' ? store.charges.get(intent.latest_charge) : undefined;
    if (intent.status !== 'succeeded' || !charge) {
      throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, { param: 'payment_intent' });
    }
    if (chargeId !== undefined && chargeId !== charge.id) {
      throw invalidRequest(`The charge ${chargeId} does not belong to the PaymentIntent ${intentId}.`, { param: 'charge' });
    }
    return charge;
  }
  const charge = findCharge(store, chargeId ?? '', 'charge');
  if (charge.status !== 'succeeded')
    throw invalidRequest(`Charge ${charge.id} has not succeeded, so it cannot be refunded.`, { param: 'charge' });
  return charge;
}

/** The amount asked for, or everything not refunded yet; never more than that. */
function refundAmount(charge: ChargeObject, requested: number | undefined): number {
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining === 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', charge: charge.id });
  }
  if (requested === undefined) return remaining;
  if (requested < 1) throw invalidParam('amount', 'Invalid positive integer', 'parameter_invalid_integer');
  if (requested > remaining) {
    throw invalidRequest(
      `Refund amount (${formatMoney(requested, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, charge.currency)})`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  return requested;
}

/** POST /v1/refunds: refunds take effect at once (test cards refund synchronously). */
export const createRefund: Handler = ({ params }, store) => {
  rejectUnknown(params, ['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand', 'instructions_email', 'origin']);
  const reason = optionalString(params, 'reason');
  if (reason !== undefined && !REASONS.includes(reason as RefundReason)) {
    throw invalidParam('reason', `Invalid reason: must be one of ${REASONS.join(', ')}`);
  }
  const metadata = readMetadata(params);
  const charge = chargeToRefund(store, optionalString(params, 'charge'), optionalString(params, 'payment_intent'));
  const amount = refundAmount(charge, optionalInteger(params, 'amount'));
  const refund: RefundObject = {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: newId('txn'),
    charge: charge.id,
    created: unixNow(),
    currency: charge.currency,
    customer: null,
    customer_account: null,
    metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: (reason as RefundReason | undefined) ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  return ok(refund);
};

/** GET /v1/refunds/:id */
export const retrieveRefund: Handler = ({ params, pathParams }, store) => {
  rejectUnknown(params, ['expand']);
  const refund = store.refunds.get(pathParams.id);
  if (!refund) throw resourceMissing(`No such refund: '${pathParams.id}'`, 'refund', 404);
  return ok(refund);
};

/** GET /v1/refunds?payment_intent=…|charge=…: newest first. */
export const listRefunds: Handler = ({ params }, store) => {
  rejectUnknown(params, ['charge', 'payment_intent', 'limit', 'expand', 'created', 'starting_after', 'ending_before']);
  const charge = optionalString(params, 'charge');
  const intent = optionalString(params, 'payment_intent');
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('Limit must be between 1 and 100.', { param: 'limit' });
  const all = [...store.refunds.values()]
    .reverse()
    .filter((r) => (charge === undefined || r.charge === charge) && (intent === undefined || r.payment_intent === intent));
  const list: ListResult<RefundObject> = { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/refunds' };
  return ok(list);
};
