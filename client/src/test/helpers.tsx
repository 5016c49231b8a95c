import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { App } from '../App';
import { createQueryClient } from '../api/query-client';
import type { CurrentUser, Order, Ticket } from '../api/types';

export interface MockAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (body: unknown, url: URL) => MockAnswer;

export interface ApiCall {
  method: string;
  path: string;
  body: unknown;
}

/**
 * Stubs `fetch` with the API: `routes` maps "METHOD /path" to an answer (or a function of the body).
 * Anything unknown answers 404 in the API's shape. Returns the calls made.
 */
export function mockApi(routes: Record<string, MockAnswer | Handler>): ApiCall[] {
  const calls: ApiCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), 'http://localhost');
      const method = (init?.method ?? 'GET').toUpperCase();
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: url.pathname, body });
      const route = routes[`${method} ${url.pathname}`];
      const answer: MockAnswer =
        typeof route === 'function' ? route(body, url) : (route ?? { status: 404, body: { errors: [{ message: 'Not found' }] } });
      const status = answer.status ?? 200;
      return new Response(status === 204 ? null : JSON.stringify(answer.body ?? {}), {
        status,
        headers: { 'content-type': 'application/json', ...answer.headers },
      });
    }),
  );
  return calls;
}

export const alice: CurrentUser = { id: 'a'.repeat(24), email: 'alice@example.com' };
export const bob: CurrentUser = { id: 'b'.repeat(24), email: 'bob@example.com' };

export const signedIn = (user: CurrentUser | null): MockAnswer => ({ body: { currentUser: user } });

export function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return { id: '1'.repeat(24), title: 'Concert', price: 20, userId: alice.id, version: 0, ...overrides };
}

export function order(overrides: Partial<Order> = {}): Order {
  const t = ticket();
  return {
    id: '2'.repeat(24),
    userId: bob.id,
    status: 'created',
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    version: 0,
    ticket: { id: t.id, title: t.title, price: t.price, version: t.version },
    ...overrides,
  };
}

/** The whole app at `path`, with a fresh QueryClient. */
export function renderApp(path: string) {
  const user = userEvent.setup();
  const query = createQueryClient();
  const result = render(
    <MemoryRouter initialEntries={[path]}>
      <App query={query} />
    </MemoryRouter>,
  );
  return { user, ...result };
}
