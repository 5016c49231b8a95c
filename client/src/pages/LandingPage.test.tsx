import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, mockApi, renderApp, signedIn, ticket } from '../test/helpers';

describe('the landing page', () => {
  it('lists the tickets for sale, each a link to its page named by its title, with its price', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      'GET /api/tickets': { body: [ticket({ title: 'Concert', price: 20 }), ticket({ id: '3'.repeat(24), title: 'Opera', price: 99.5 })] },
    });
    renderApp('/');
    expect(screen.getByRole('heading', { level: 1, name: 'Tickets for sale' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Loading tickets');
    const concert = await screen.findByRole('link', { name: 'Concert' });
    expect(concert).toHaveAttribute('href', `/tickets/${'1'.repeat(24)}`);
    expect(screen.getByRole('link', { name: 'Opera' })).toHaveAttribute('href', `/tickets/${'3'.repeat(24)}`);
    expect(screen.getByText('$20.00')).toBeInTheDocument();
    expect(screen.getByText('$99.50')).toBeInTheDocument();
  });

  it('says when there is nothing for sale', async () => {
    mockApi({ 'GET /api/users/currentuser': signedIn(alice), 'GET /api/tickets': { body: [] } });
    renderApp('/');
    expect(await screen.findByText('No tickets for sale right now.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sell the first one' })).toHaveAttribute('href', '/tickets/new');
  });

  it('loads the next page when the API says there is more (Link rel="next")', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      'GET /api/tickets': (_body, url) =>
        url.searchParams.get('after') === 'c1'
          ? { body: [ticket({ id: '4'.repeat(24), title: 'Ballet' })] }
          : { body: [ticket()], headers: { link: '</api/tickets?limit=50&after=c1>; rel="next"' } },
    });
    const { user } = renderApp('/');
    await user.click(await screen.findByRole('button', { name: 'Show more tickets' }));
    expect(await screen.findByRole('link', { name: 'Ballet' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show more tickets' })).not.toBeInTheDocument();
  });

  it('shows the error when the API is unavailable', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      'GET /api/tickets': { status: 502, body: { errors: [{ message: 'Upstream for /api/tickets is unavailable' }] } },
    });
    renderApp('/');
    expect(await screen.findByRole('alert', {}, { timeout: 5000 })).toHaveTextContent('Upstream for /api/tickets is unavailable');
  });
});
