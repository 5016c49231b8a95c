import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { PaymentForm } from './PaymentForm';

const loadStripe = vi.hoisted(() => vi.fn(() => Promise.resolve(null)));
vi.mock('@stripe/stripe-js/pure', () => ({ loadStripe }));

describe('the payment form', () => {
  it('without a publishable key, is the test-card form and never loads Stripe', () => {
    render(<PaymentForm pending={false} onToken={() => undefined} />);
    expect(screen.getByLabelText('Card').tagName).toBe('SELECT');
    expect(screen.getByRole('button', { name: 'Pay' })).toBeInTheDocument();
    expect(loadStripe).not.toHaveBeenCalled();
  });

  it('with a publishable key, loads Stripe Elements on first use', async () => {
    render(<PaymentForm publishableKey="pk_test_123" pending={false} onToken={() => undefined} />);
    expect(await screen.findByRole('button', { name: 'Pay' })).toBeDisabled();
    expect(loadStripe).toHaveBeenCalledWith('pk_test_123');
  });
});
