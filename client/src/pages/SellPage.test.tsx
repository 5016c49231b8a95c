import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, mockApi, renderApp, signedIn, ticket } from '../test/helpers';

describe('selling a ticket', () => {
  it('sends a visitor who is not signed in to sign in first', async () => {
    mockApi({ 'GET /api/users/currentuser': signedIn(null) });
    renderApp('/tickets/new');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Ticketing' })).toBeInTheDocument();
  });

  it('shows the API validation errors next to Title and Price', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(alice),
      'POST /api/tickets': {
        status: 400,
        body: {
          errors: [
            { message: 'Title is required', field: 'title' },
            { message: 'Price must be greater than 0', field: 'price' },
          ],
        },
      },
    });
    const { user } = renderApp('/tickets/new');
    await user.type(await screen.findByLabelText('Price'), '-3');
    await user.click(screen.getByRole('button', { name: 'Sell' }));
    expect(await screen.findByText('Title is required')).toBeInTheDocument();
    expect(screen.getByLabelText('Title')).toHaveAccessibleDescription('Title is required');
    expect(screen.getByLabelText('Price')).toHaveAccessibleDescription('Price must be greater than 0');
  });

  it('creates the ticket with a numeric price and opens its page', async () => {
    const created = ticket({ title: 'Jazz night', price: 12.5 });
    const calls = mockApi({
      'GET /api/users/currentuser': signedIn(alice),
      'POST /api/tickets': { status: 201, body: created },
      [`GET /api/tickets/${created.id}`]: { body: created },
    });
    const { user } = renderApp('/tickets/new');
    await user.type(await screen.findByLabelText('Title'), 'Jazz night');
    await user.type(screen.getByLabelText('Price'), '12.50');
    await user.click(screen.getByRole('button', { name: 'Sell' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Jazz night' })).toBeInTheDocument();
    expect(calls).toContainEqual({ method: 'POST', path: '/api/tickets', body: { title: 'Jazz night', price: 12.5 } });
  });
});
