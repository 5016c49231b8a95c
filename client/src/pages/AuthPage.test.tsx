import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, mockApi, renderApp, signedIn } from '../test/helpers';

describe('sign up, sign in, sign out', () => {
  it('shows each validation error next to its field, and a message without a field above the form', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      'POST /api/users/signup': {
        status: 400,
        body: {
          errors: [
            { message: 'Email must be valid', field: 'email' },
            { message: 'Password must be between 8 and 128 characters', field: 'password' },
          ],
        },
      },
    });
    const { user } = renderApp('/signup');
    expect(await screen.findByRole('heading', { level: 1, name: 'Create an account' })).toBeInTheDocument();
    await user.type(await screen.findByLabelText('Email'), 'nope');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    const email = screen.getByLabelText('Email');
    expect(await screen.findByText('Email must be valid')).toBeInTheDocument();
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('Email must be valid');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Password must be between 8 and 128 characters');
  });

  it('shows "Email in use" (no field) as an alert', async () => {
    mockApi({
      'GET /api/users/currentuser': signedIn(null),
      'POST /api/users/signup': { status: 400, body: { errors: [{ message: 'Email in use' }] } },
    });
    const { user } = renderApp('/signup');
    await user.type(await screen.findByLabelText('Email'), 'alice@example.com');
    await user.type(screen.getByLabelText('Password'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email in use');
  });

  it('signs in, then shows the email in the header; signing out shows Sign in again', async () => {
    let current: typeof alice | null = null;
    const calls = mockApi({
      'GET /api/users/currentuser': () => signedIn(current),
      'GET /api/tickets': { body: [] },
      'POST /api/users/signin': () => {
        current = alice;
        return { body: alice };
      },
      'POST /api/users/signout': () => {
        current = null;
        return { body: {} };
      },
    });
    const { user } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Email'), alice.email);
    await user.type(screen.getByLabelText('Password'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(await within(nav).findByText(alice.email)).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Tickets for sale' })).toBeInTheDocument();
    expect(calls).toContainEqual({
      method: 'POST',
      path: '/api/users/signin',
      body: { email: alice.email, password: 'a long passphrase' },
    });

    await user.click(within(nav).getByRole('button', { name: 'Sign out' }));
    expect(await within(nav).findByRole('link', { name: 'Sign in' })).toBeInTheDocument();
    expect(within(nav).queryByText(alice.email)).not.toBeInTheDocument();
  });
});
