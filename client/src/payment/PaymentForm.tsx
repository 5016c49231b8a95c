import { lazy, Suspense } from 'react';
import { Loading } from '../components/Status';
import { TestCardForm } from './TestCardForm';
import type { PaymentFormProps } from './types';

// The Stripe Elements form is its own chunk: without a key it is never fetched.
const StripeCardForm = lazy(() => import('./StripeCardForm'));

/** The key from the build (`VITE_STRIPE_PUBLISHABLE_KEY`), if any. */
export function stripePublishableKey(): string | undefined {
  const key = import.meta.env.VITE_STRIPE_PUBLISHABLE_KEY?.trim();
  return key ? key : undefined;
}

export function PaymentForm(props: PaymentFormProps & { publishableKey?: string }) {
  const { publishableKey = stripePublishableKey(), ...form } = props;
  if (!publishableKey) return <TestCardForm {...form} />;
  return (
    <Suspense fallback={<Loading label="Loading the card form…" />}>
      <StripeCardForm publishableKey={publishableKey} {...form} />
    </Suspense>
  );
}
