import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/Status';
import type { PaymentFormProps } from './types';

// Loaded on first use only: `pure` does not insert Stripe's script when this module is imported.
const stripes = new Map<string, Promise<Stripe | null>>();
function stripeFor(key: string): Promise<Stripe | null> {
  let stripe = stripes.get(key);
  if (!stripe) {
    stripe = loadStripe(key);
    stripes.set(key, stripe);
  }
  return stripe;
}

function CardForm({ pending, onToken }: PaymentFormProps) {
  const stripe = useStripe();
  const elements = useElements();
  const [error, setError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const card = elements?.getElement(CardElement);
    if (!stripe || !card) return;
    setCreating(true);
    setError(undefined);
    const result = await stripe.createPaymentMethod({ type: 'card', card });
    setCreating(false);
    if (result.error) setError(result.error.message ?? 'The card could not be used.');
    else onToken(result.paymentMethod.id);
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="form">
      <ErrorNotice messages={error ? [error] : []} />
      <div className="field">
        <label htmlFor="card-element">Card</label>
        <div className="card-element">
          <CardElement id="card-element" options={{ hidePostalCode: true }} />
        </div>
      </div>
      <button type="submit" className="button primary" disabled={!stripe || pending || creating}>
        Pay
      </button>
    </form>
  );
}

/** With a Stripe publishable key: the card is entered in Stripe Elements, and only its id reaches the API. */
export default function StripeCardForm({ publishableKey, ...props }: PaymentFormProps & { publishableKey: string }) {
  return (
    <Elements stripe={stripeFor(publishableKey)}>
      <CardForm {...props} />
    </Elements>
  );
}
