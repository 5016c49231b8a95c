import { newId, unixNow, type StripeStore } from './store';
import type { TestCard } from './test-cards';
import type { ChargeObject, PaymentIntentObject } from './types';
import { resourceMissing } from './errors';
import { ok, type Handler } from './api';
import { optionalStringArray, rejectUnknown } from './form';

/** The charge a confirmation makes: captured at once (automatic capture) or failed. */
export function createCharge(store: StripeStore, intent: PaymentIntentObject, paymentMethod: string, card: TestCard): ChargeObject {
  const succeeded = card.decline === undefined;
  const charge: ChargeObject = {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: succeeded ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? newId('txn') : null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'LOCAL STRIPE',
    captured: succeeded,
    created: unixNow(),
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: card.decline?.code ?? null,
    failure_message: card.decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...intent.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: succeeded ? 'approved_by_network' : 'declined_by_network',
      reason: card.decline?.declineCode ?? null,
      risk_level: 'normal',
      seller_message: card.decline?.sellerMessage ?? 'Payment complete.',
      type: succeeded ? 'authorized' : 'issuer_declined',
    },
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: paymentMethod,
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  store.charges.set(charge.id, charge);
  return charge;
}

export function findCharge(store: StripeStore, id: string, param: string, status = 400): ChargeObject {
  const charge = store.charges.get(id);
  if (!charge) throw resourceMissing(`No such charge: '${id}'`, param, status);
  return charge;
}

/** GET /v1/charges/:id */
export const retrieveCharge: Handler = ({ params, pathParams }, store) => {
  rejectUnknown(params, ['expand']);
  optionalStringArray(params, 'expand');
  return ok(findCharge(store, pathParams.id, 'id', 404));
};
