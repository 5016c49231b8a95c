import Stripe from 'stripe';
import type { LocalStripe } from '../src/stripe';

/** The official SDK pointed at the local server over plain HTTP. */
export function sdkFor(local: LocalStripe, key = local.secretKey, options: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(key, { host: local.host, port: local.port, protocol: 'http', maxNetworkRetries: 0, ...options });
}

/** What an SDK call threw (the test fails if it did not throw). */
export async function failure(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export const visa = (orderId: string, amount = 1500): Stripe.PaymentIntentCreateParams => ({
  amount,
  currency: 'usd',
  confirm: true,
  payment_method: 'pm_card_visa',
  allowed_payment_method_types: ['card'],
  metadata: { orderId },
});

export const declined = (orderId: string): Stripe.PaymentIntentCreateParams => ({
  amount: 1500,
  currency: 'usd',
  confirm: true,
  payment_method_data: { type: 'card', card: { token: 'tok_chargeDeclined' } } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
  automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  metadata: { orderId },
});
