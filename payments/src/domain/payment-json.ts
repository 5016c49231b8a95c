// The payment as the API answers it (DESIGN §2): no internal fields (claims, attempts, refund flags).
import type { Payment, PaymentStatus } from '../models/payment';

/** The HTTP shape. */
export interface PaymentJson {
  id: string;
  orderId: string;
  stripeId: string | null;
  amount: number;
  currency: string;
  status: PaymentStatus;
}

export function paymentJson(payment: Payment): PaymentJson {
  return {
    id: payment.id,
    orderId: payment.orderId,
    stripeId: payment.stripeId ?? null,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
  };
}
