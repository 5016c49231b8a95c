import { randomBytes } from 'node:crypto';
import type { ChargeObject, PaymentIntentObject, PaymentMethodObject, RefundObject } from './types';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An id shaped like Stripe's: a type prefix and 24 base-62 characters. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The account's objects, in creation order (Maps keep insertion order). */
export class StripeStore {
  readonly intents = new Map<string, PaymentIntentObject>();
  readonly charges = new Map<string, ChargeObject>();
  readonly refunds = new Map<string, RefundObject>();
  readonly paymentMethods = new Map<string, PaymentMethodObject>();
  /** Creation sequence per intent, so equal `created` seconds still sort newest first. */
  readonly sequence = new Map<string, number>();
  private counter = 0;

  addIntent(intent: PaymentIntentObject): void {
    this.intents.set(intent.id, intent);
    this.sequence.set(intent.id, (this.counter += 1));
  }

  clear(): void {
    this.intents.clear();
    this.charges.clear();
    this.refunds.clear();
    this.paymentMethods.clear();
    this.sequence.clear();
  }
}
