import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, bob, mockApi, order, renderApp, signedIn, ticket } from '../test/helpers';

const concert = ticket();

describe("a ticket's page", () => {
  it('shows title and price; Purchase places an order and opens its page', async () => {
    const placed = order();
    const calls = mockApi({
      'GET /api/users/currentuser': signedIn(bob),
      [`GET /api/tickets/${concert.id}`]: { body: concert },
      'POST /api/orders': { status: 201, body: placed },
      [`GET /api/orders/${placed.id}`]: { body: placed },
    });
    const { user } = renderApp(`/tickets/${concert.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Concert' })).toBeInTheDocument();
    expect(screen.getByText('$20.00')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Purchase' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Your order' })).toBeInTheDocument();
    expect(calls).toContainEqual({ method: 'POST', path: '/api/orders', body: { ticketId: concert.id } });
  });

  it('shows why a purchase failed', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(bob),
      [`GET /api/tickets/${concert.id}`]: { body: concert },
      'POST /api/orders': { status: 400, body: { errors: [{ message: 'Ticket is already reserved' }] } },
    });
    const { user } = renderApp(`/tickets/${concert.id}`);
    await user.click(await screen.findByRole('button', { name: 'Purchase' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Ticket is already reserved');
  });

  it('a 401 (not signed in) sends the buyer to sign in', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      [`GET /api/tickets/${concert.id}`]: { body: concert },
      'POST /api/orders': { status: 401, body: { errors: [{ message: 'Not authorized' }] } },
    });
    const { user } = renderApp(`/tickets/${concert.id}`);
    await user.click(await screen.findByRole('button', { name: 'Purchase' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to Ticketing' })).toBeInTheDocument();
  });

  it('lets the owner edit it instead of buying it', async () => {
    const calls = mockApi({
      'GET /api/users/currentuser': signedIn(alice),
      [`GET /api/tickets/${concert.id}`]: { body: concert },
      [`PUT /api/tickets/${concert.id}`]: (body) => ({ body: { ...concert, ...(body as object), version: 1 } }),
    });
    const { user } = renderApp(`/tickets/${concert.id}`);
    expect(await screen.findByRole('heading', { level: 2, name: 'Edit your ticket' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Purchase' })).not.toBeInTheDocument();
    const price = screen.getByLabelText('Price');
    await user.clear(price);
    await user.type(price, '25');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(screen.getByText('$25.00')).toBeInTheDocument();
    expect(calls).toContainEqual({ method: 'PUT', path: `/api/tickets/${concert.id}`, body: { title: 'Concert', price: 25 } });
  });

  it('says so when the ticket does not exist', async () => {
    mockApi({ 'GET /api/users/currentuser': signedIn(null) });
    renderApp('/tickets/nope');
    expect(await screen.findByRole('heading', { level: 1, name: 'Ticket not found' })).toBeInTheDocument();
  });
});
