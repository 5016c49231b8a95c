import { useState, type FormEvent } from 'react';
import type { PaymentFormProps } from './types';

/** The local Stripe-compatible server's test cards (the same tokens Stripe's test mode knows). */
export const TEST_CARDS = [
  { token: 'tok_visa', label: 'Visa' },
  { token: 'tok_chargeDeclined', label: 'Visa (declined)' },
] as const;

/** Without a Stripe publishable key (`npm start`, tests): pick a test card; nothing is loaded from Stripe. */
export function TestCardForm({ pending, onToken }: PaymentFormProps) {
  const [token, setToken] = useState<string>(TEST_CARDS[0].token);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onToken(token);
  };
  return (
    <form onSubmit={submit} className="form">
      <div className="field">
        <label htmlFor="test-card">Card</label>
        <select id="test-card" value={token} onChange={(event) => setToken(event.target.value)}>
          {TEST_CARDS.map((card) => (
            <option key={card.token} value={card.token}>
              {card.label}
            </option>
          ))}
        </select>
        <p className="hint">Test mode: no real card is charged.</p>
      </div>
      <button type="submit" className="button primary" disabled={pending}>
        Pay
      </button>
    </form>
  );
}
