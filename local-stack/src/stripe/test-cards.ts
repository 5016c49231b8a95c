import { newId, unixNow } from './store';
import type { PaymentMethodObject } from './types';

/** A Stripe test card and, for declining cards, what the issuer answers. */
export interface TestCard {
  brand: string;
  last4: string;
  funding: string;
  decline?: { code: string; declineCode: string; message: string; sellerMessage: string };
}

const GENERIC_DECLINE = {
  code: 'card_declined',
  declineCode: 'generic_decline',
  message: 'Your card was declined.',
  sellerMessage: 'The bank did not return any further details with this decline.',
};

const CARDS: Record<string, TestCard> = {
  visa: { brand: 'visa', last4: '4242', funding: 'credit' },
  visa_debit: { brand: 'visa', last4: '5556', funding: 'debit' },
  mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit' },
  chargeDeclined: { brand: 'visa', last4: '0002', funding: 'credit', decline: GENERIC_DECLINE },
  chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    decline: {
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      sellerMessage: 'The bank returned the decline code `insufficient_funds`.',
    },
  },
};

/** `tok_visa` → the visa card; undefined for tokens Stripe would not know. */
export function cardForToken(token: string): TestCard | undefined {
  return token.startsWith('tok_') ? CARDS[token.slice(4)] : undefined;
}

/** `pm_card_visa` → the visa card. */
export function cardForPaymentMethod(id: string): TestCard | undefined {
  return id.startsWith('pm_card_') ? CARDS[id.slice(8)] : undefined;
}

/** Stripe turns a test shortcut or token into a new PaymentMethod with its own id. */
export function paymentMethodFor(card: TestCard, metadata: Record<string, string> = {}): PaymentMethodObject {
  return {
    id: newId('pm'),
    object: 'payment_method',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: null,
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: `local${card.last4}${card.brand}`.slice(0, 16),
      funding: card.funding,
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: unixNow(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata,
    type: 'card',
  };
}

export function cardOf(method: PaymentMethodObject): TestCard | undefined {
  return Object.values(CARDS).find((c) => c.last4 === method.card.last4 && c.brand === method.card.brand);
}
