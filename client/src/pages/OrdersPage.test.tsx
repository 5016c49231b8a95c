import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { bob, mockApi, order, renderApp, signedIn } from '../test/helpers';

describe('my orders', () => {
  it('lists each order with its ticket and status', async () => {
    const paid = order({ status: 'complete' });
    const expired = order({
      id: '5'.repeat(24),
      status: 'cancelled',
      ticket: { id: '6'.repeat(24), title: 'Opera', price: 80, version: 0 },
    });
    mockApi({ 'GET /api/users/currentuser': signedIn(bob), 'GET /api/orders': { body: [paid, expired] } });
    renderApp('/orders');
    expect(screen.getByRole('heading', { level: 1, name: 'My orders' })).toBeInTheDocument();
    const list = await screen.findByRole('list', { name: 'Orders' });
    const [first, second] = within(list).getAllByRole('listitem');
    expect(within(first).getByRole('link', { name: 'Concert' })).toHaveAttribute('href', `/orders/${paid.id}`);
    expect(first).toHaveTextContent('complete');
    expect(second).toHaveTextContent('Opera');
    expect(second).toHaveTextContent('cancelled');
  });

  it('says when there are none', async () => {
    mockApi({ 'GET /api/users/currentuser': signedIn(bob), 'GET /api/orders': { body: [] } });
    renderApp('/orders');
    expect(await screen.findByText('You have no orders yet.')).toBeInTheDocument();
  });

  it('a session that ended (401, nobody signed in) sends the user to sign in', async () => {
    let current: typeof bob | null = bob;
    mockApi({
      'GET /api/users/currentuser': () => signedIn(current),
      'GET /api/orders': () => {
        current = null;
        return { status: 401, body: { errors: [{ message: 'Not authorized' }] } };
      },
    });
    renderApp('/orders');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Ticketing' })).toBeInTheDocument();
  });
});
