import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Order } from '../api/types';
import { bob, mockApi, order, renderApp, signedIn } from '../test/helpers';

const DECLINED = { status: 402, body: { errors: [{ message: 'Your card was declined.' }] } };

describe("an order's page", () => {
  it('counts down to the expiry, then shows the order expired', async () => {
    const soon = order({ expiresAt: new Date(Date.now() + 2_200).toISOString() });
    mockApi({ 'GET /api/users/currentuser': signedIn(bob), [`GET /api/orders/${soon.id}`]: { body: soon } });
    renderApp(`/orders/${soon.id}`);
    expect(await screen.findByRole('timer')).toHaveTextContent(/^0:0[23] left/);
    expect(screen.getByRole('link', { name: 'Concert' })).toBeInTheDocument();
    expect(await screen.findByText(/This order has expired/, {}, { timeout: 5_000 })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Pay' })).not.toBeInTheDocument();
  });

  it('pays with a test card: a declined card shows the provider message and stays payable; Visa completes the order', async () => {
    let current: Order = order();
    const calls = mockApi({
      'GET /api/users/currentuser': signedIn(bob),
      [`GET /api/orders/${current.id}`]: () => ({ body: current }),
      'POST /api/payments': (body) => {
        if ((body as { token: string }).token !== 'tok_visa') return DECLINED;
        current = { ...current, status: 'complete', version: 1 };
        return {
          status: 201,
          body: { id: 'p1', orderId: current.id, stripeId: 'pi_1', amount: 2000, currency: 'usd', status: 'succeeded' },
        };
      },
    });
    const { user } = renderApp(`/orders/${current.id}`);
    const card = await screen.findByLabelText('Card');
    expect([...(card as HTMLSelectElement).options].map((o) => [o.value, o.text])).toEqual([
      ['tok_visa', 'Visa'],
      ['tok_chargeDeclined', 'Visa (declined)'],
    ]);
    await user.selectOptions(card, 'Visa (declined)');
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Your card was declined.');
    expect(screen.getByRole('button', { name: 'Pay' })).toBeEnabled();

    await user.selectOptions(screen.getByLabelText('Card'), 'Visa');
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    expect(await screen.findByText(/this order is complete/)).toBeInTheDocument();
    expect(calls.filter((c) => c.path === '/api/payments').map((c) => c.body)).toEqual([
      { orderId: current.id, token: 'tok_chargeDeclined' },
      { orderId: current.id, token: 'tok_visa' },
    ]);
  });

  it('Cancel order cancels it', async () => {
    let current: Order = order();
    const calls = mockApi({
      'GET /api/users/currentuser': signedIn(bob),
      [`GET /api/orders/${current.id}`]: () => ({ body: current }),
      [`DELETE /api/orders/${current.id}`]: () => {
        current = { ...current, status: 'cancelled', version: 1 };
        return { status: 204 };
      },
    });
    const { user } = renderApp(`/orders/${current.id}`);
    await user.click(await screen.findByRole('button', { name: 'Cancel order' }));
    expect(await screen.findByText('This order was cancelled.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(true);
  });

  it("another user's order (401 while signed in) shows the error instead of sending them to sign in", async () => {
    const theirs = order();
    mockApi({
      'GET /api/users/currentuser': signedIn(bob),
      [`GET /api/orders/${theirs.id}`]: { status: 401, body: { errors: [{ message: 'Not authorized' }] } },
    });
    renderApp(`/orders/${theirs.id}`);
    expect(await screen.findByRole('alert')).toHaveTextContent('Not authorized');
    expect(screen.getByRole('heading', { level: 1, name: 'Your order' })).toBeInTheDocument();
  });
});
