export interface PaymentFormProps {
  /** A payment is being submitted. */
  pending: boolean;
  /** Called with a Stripe token or PaymentMethod id (tok_…, pm_…) to charge. */
  onToken(token: string): void;
}
