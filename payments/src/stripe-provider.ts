import Stripe from 'stripe';
import type { PaymentsConfig } from './config';

/** What the domain asks of the payment provider; the only file that speaks Stripe. */
export interface PaymentProvider {
  /** Creates and confirms one PaymentIntent; never charges twice for the same `idempotencyKey`. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Refunds the intent's charge in full; safe to repeat (same key, and "already refunded" counts as done). */
  refund(intentId: string, orderId: string): Promise<void>;
  /** The succeeded intents whose metadata names this order, oldest first. */
  succeededIntents(orderId: string): Promise<ProviderIntent[]>;
}

export interface ChargeRequest {
  orderId: string;
  attempt: number;
  amount: number;
  currency: string;
  token: string;
  idempotencyKey: string;
}

export interface ProviderIntent {
  id: string;
  amount: number;
  currency: string;
  attempt?: number;
}

export type ChargeResult =
  | { kind: 'succeeded'; intentId: string }
  | { kind: 'declined'; message: string }
  /** The provider refused the request itself (e.g. an unknown token): nothing was charged. */
  | { kind: 'rejected'; message: string }
  /** No answer or a server error: the charge may or may not exist (reconciliation finds out). */
  | { kind: 'unknown'; message: string };

export type StripeSettings = Pick<PaymentsConfig, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>;

/** The SDK, pointed at STRIPE_API_URL when it is set (the local Stripe-compatible server), else at Stripe. */
export function createStripeClient(settings: StripeSettings): Stripe {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000 };
  if (settings.STRIPE_API_URL) {
    const url = new URL(settings.STRIPE_API_URL);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    options.host = url.hostname;
    options.port = Number(url.port || (protocol === 'https' ? 443 : 80));
    options.protocol = protocol;
  }
  return new Stripe(settings.STRIPE_SECRET_KEY, options);
}

/** `pm_*` is a PaymentMethod id; anything else (`tok_*`) is a card token. */
function paymentMethodParams(token: string): Pick<Stripe.PaymentIntentCreateParams, 'payment_method' | 'payment_method_data'> {
  if (token.startsWith('pm_')) return { payment_method: token };
  return { payment_method_data: { type: 'card', card: { token } } as Stripe.PaymentIntentCreateParams.PaymentMethodData };
}

function isAlreadyRefunded(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'charge_already_refunded';
}

export function stripeProvider(stripe: Stripe): PaymentProvider {
  return {
    async charge(request) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency,
            confirm: true,
            ...paymentMethodParams(request.token),
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            metadata: { orderId: request.orderId, attempt: String(request.attempt) },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        if (intent.status === 'succeeded') return { kind: 'succeeded', intentId: intent.id };
        return { kind: 'declined', message: `The payment did not succeed (${intent.status})` };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) return { kind: 'declined', message: error.message };
        if (error instanceof Stripe.errors.StripeInvalidRequestError) return { kind: 'rejected', message: error.message };
        return { kind: 'unknown', message: error instanceof Error ? error.message : String(error) };
      }
    },
    async refund(intentId, orderId) {
      try {
        await stripe.refunds.create({ payment_intent: intentId }, { idempotencyKey: `refund:${orderId}` });
      } catch (error) {
        if (!isAlreadyRefunded(error)) throw error;
      }
    },
    async succeededIntents(orderId) {
      if (!/^[0-9a-f]{24}$/i.test(orderId)) return [];
      const result = await stripe.paymentIntents.search({ query: `metadata['orderId']:'${orderId}'`, limit: 100 });
      return result.data
        .filter((intent) => intent.status === 'succeeded')
        .sort((a, b) => a.created - b.created)
        .map((intent) => ({
          id: intent.id,
          amount: intent.amount,
          currency: intent.currency,
          attempt: intent.metadata.attempt ? Number(intent.metadata.attempt) : undefined,
        }));
    },
  };
}
