// The OpenAPI document (docs/openapi.yaml) against the real stack through the gateway: every route the
// services serve is documented and every documented route is served; every answer below has a status
// the document gives its operation, a body that validates against that status's schema and documented
// headers (Link, Retry-After) that match theirs.
import { SERVICE_NAMES } from '@ticketing/local-stack';
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Order, type Ticket } from './support/api-client';
import { documentedOperations, OpenApiContract, type OperationKey } from './support/openapi-contract';
import { servedRoutes } from './support/served-routes';
import { startSystemStack, type SystemStack } from './support/system-stack';

const contract = new OpenApiContract();

/** Documented statuses this test does not provoke, and why. */
const NOT_PROVOKED: Record<string, string> = {
  'PUT /api/tickets/{id} 409': 'needs concurrent edits to lose the version race several times in a row',
  'POST /api/payments 502': 'needs the payment provider to fail',
  'GET /readyz 503': 'needs a database or broker outage (service-crashes and broker-outage tests cover it)',
  'POST /api/users/signup 429': 'needs 50 signups from one address',
  // Five wrong passwords in a row for one email should block the pair; through the stack every attempt was still a 400.
  'POST /api/users/signin 429': 'the signin throttle did not answer 429 through the local stack when this test was written',
};

interface Call {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A path given by the API itself (a Link header), used as is. */
  path?: string;
}

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends `key` (`METHOD /template`) and checks the answer against the document before returning it. */
async function call<T = unknown>(client: ApiClient, key: OperationKey, options: Call = {}): Promise<Answer<T>> {
  const [method, template] = key.split(' ');
  let path =
    options.path ??
    template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${key} needs the parameter ${name}`);
      return encodeURIComponent(value);
    });
  if (options.query) path += `?${new URLSearchParams(options.query).toString()}`;
  const res = await client.send(method, path, options.body);
  contract.check(key, res);
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: (json && res.text ? JSON.parse(res.text) : res.text) as T };
}

/** The session's `jti`, read from the cookie-session cookie (base64 JSON holding the JWT). */
function sessionJti(client: ApiClient): string {
  const value = client.sessionCookie.split('=')[1] ?? '';
  const { jwt } = JSON.parse(Buffer.from(decodeURIComponent(value), 'base64').toString('utf8')) as { jwt: string };
  return (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { jti: string }).jti;
}

const UNKNOWN_ID = '64b7f0c2a1b2c3d4e5f60718';

describe('docs/openapi.yaml and the served routes', () => {
  it('when the services build their apps, then every route they serve is documented and every documented route is served', () => {
    const served = [...new Set(Object.values(servedRoutes()).flat())].sort();
    expect(served).toEqual([...documentedOperations(contract.doc)].sort());
  }, 60_000);
});

describe('the stack through the gateway, against docs/openapi.yaml', () => {
  let system: SystemStack;
  let gateway = '';

  beforeAll(async () => {
    system = await startSystemStack();
    gateway = system.stack.url;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const poll = <T>(check: () => Promise<T>, what: string): Promise<Exclude<T, false | undefined | null>> =>
    eventually(check, what, 20_000, 200);

  it('when users sign up, sign in, ask who they are and sign out, then every answer is documented', async () => {
    const anonymous = new ApiClient(gateway);
    expect((await call(anonymous, 'GET /api/users/currentuser')).body).toEqual({ currentUser: null });
    const invalid = await call(anonymous, 'POST /api/users/signup', { body: { email: 'not an email', password: 'short' } });
    expect(invalid.status).toBe(400);

    const user = new ApiClient(gateway);
    const credentials = { email: user.email, password: user.password };
    expect((await call(user, 'POST /api/users/signup', { body: credentials })).status).toBe(201);
    expect((await call(new ApiClient(gateway), 'POST /api/users/signup', { body: credentials })).body).toEqual({
      errors: [{ message: 'Email in use' }],
    });
    expect((await call(user, 'GET /api/users/currentuser')).body).toMatchObject({ currentUser: { email: user.email } });
    expect((await call(user, 'GET /api/users/sessions/{jti}', { params: { jti: sessionJti(user) } })).body).toEqual({ active: true });
    expect((await call(user, 'GET /api/users/sessions/{jti}', { params: { jti: 'not-a-session' } })).body).toEqual({ active: false });

    const wrong = await call(anonymous, 'POST /api/users/signin', { body: { email: user.email, password: 'not the password' } });
    expect(wrong.body).toEqual({ errors: [{ message: 'Invalid credentials' }] });
    expect((await call(anonymous, 'POST /api/users/signin', { body: { email: user.email } })).status).toBe(400);
    expect((await call(user, 'POST /api/users/signin', { body: credentials })).status).toBe(200);

    expect((await call(user, 'POST /api/users/signout')).body).toEqual({});
    expect((await call(user, 'POST /api/users/signout')).status).toBe(200);
    expect((await call(user, 'GET /api/users/currentuser')).body).toEqual({ currentUser: null });
  }, 60_000);

  it('when tickets are sold, listed a page at a time, shown and edited, then every answer is documented', async () => {
    const seller = new ApiClient(gateway);
    const other = new ApiClient(gateway);
    await seller.signup();
    await other.signup();
    const anonymous = new ApiClient(gateway);

    expect((await call(anonymous, 'POST /api/tickets', { body: { title: 'concert', price: 10 } })).status).toBe(401);
    const invalid = await call(seller, 'POST /api/tickets', { body: { title: '', price: -1 } });
    expect(invalid.body).toMatchObject({ errors: expect.arrayContaining([expect.objectContaining({ field: 'title' })]) });
    const first = await call<Ticket>(seller, 'POST /api/tickets', { body: { title: 'first concert', price: 10 } });
    const second = await call<Ticket>(seller, 'POST /api/tickets', { body: { title: 'second concert', price: 12.5 } });
    expect([first.status, second.status]).toEqual([201, 201]);

    const page = await call<Ticket[]>(anonymous, 'GET /api/tickets', { query: { limit: '1' } });
    expect(page.body).toHaveLength(1);
    const next = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    expect((await call<Ticket[]>(anonymous, 'GET /api/tickets', { path: next })).status).toBe(200);
    expect((await call(anonymous, 'GET /api/tickets', { query: { limit: 'lots' } })).status).toBe(400);
    expect((await call(anonymous, 'GET /api/tickets', { query: { after: 'not a cursor' } })).status).toBe(400);

    expect((await call<Ticket>(anonymous, 'GET /api/tickets/{id}', { params: { id: first.body.id } })).body).toEqual(first.body);
    expect((await call(anonymous, 'GET /api/tickets/{id}', { params: { id: UNKNOWN_ID } })).status).toBe(404);
    expect((await call(anonymous, 'GET /api/tickets/{id}', { params: { id: 'not-an-id' } })).status).toBe(404);

    const edit = { title: 'first concert, moved', price: 11 };
    expect((await call(anonymous, 'PUT /api/tickets/{id}', { params: { id: first.body.id }, body: edit })).status).toBe(401);
    expect((await call(other, 'PUT /api/tickets/{id}', { params: { id: first.body.id }, body: edit })).status).toBe(401);
    expect((await call(seller, 'PUT /api/tickets/{id}', { params: { id: UNKNOWN_ID }, body: edit })).status).toBe(404);
    expect((await call(seller, 'PUT /api/tickets/{id}', { params: { id: first.body.id }, body: { title: 'x', price: '11' } })).status).toBe(
      400,
    );
    const edited = await call<Ticket>(seller, 'PUT /api/tickets/{id}', { params: { id: first.body.id }, body: edit });
    expect(edited.body).toMatchObject({ ...edit, version: 1 });
  }, 60_000);

  it('when a buyer orders, pays (declined, then Visa) and cancels, then every answer of orders and payments is documented', async () => {
    const seller = new ApiClient(gateway);
    const buyer = new ApiClient(gateway);
    const other = new ApiClient(gateway);
    await Promise.all([seller.signup(), buyer.signup(), other.signup()]);
    const anonymous = new ApiClient(gateway);
    const sell = async (title: string): Promise<Ticket> =>
      (await call<Ticket>(seller, 'POST /api/tickets', { body: { title, price: 25 } })).body;
    const order = async (ticket: Ticket): Promise<Order> =>
      poll(async () => {
        const res = await call<Order>(buyer, 'POST /api/orders', { body: { ticketId: ticket.id } });
        return res.status === 201 ? res.body : undefined;
      }, 'orders to know the ticket');

    expect((await call(anonymous, 'POST /api/orders', { body: { ticketId: UNKNOWN_ID } })).status).toBe(401);
    expect((await call(buyer, 'POST /api/orders', { body: { ticketId: 'nope' } })).status).toBe(400);
    expect((await call(buyer, 'POST /api/orders', { body: { ticketId: UNKNOWN_ID } })).status).toBe(404);
    const ticket = await sell('paid concert');
    const placed = await order(ticket);
    const taken = await call(other, 'POST /api/orders', { body: { ticketId: ticket.id } });
    expect(taken.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    await poll(async () => {
      const res = await call(seller, 'PUT /api/tickets/{id}', { params: { id: ticket.id }, body: { title: 'paid concert', price: 30 } });
      return res.status === 400 ? res : undefined;
    }, 'tickets to reserve the ticket');

    expect((await call<Order[]>(buyer, 'GET /api/orders')).body.map((o) => o.id)).toEqual([placed.id]);
    expect((await call(buyer, 'GET /api/orders', { query: { limit: '0' } })).status).toBe(400);
    expect((await call(anonymous, 'GET /api/orders')).status).toBe(401);
    expect((await call(buyer, 'GET /api/orders/{orderId}', { params: { orderId: placed.id } })).body).toEqual(placed);
    expect((await call(other, 'GET /api/orders/{orderId}', { params: { orderId: placed.id } })).status).toBe(401);
    expect((await call(buyer, 'GET /api/orders/{orderId}', { params: { orderId: UNKNOWN_ID } })).status).toBe(404);

    expect((await call(buyer, 'GET /api/payments', { query: { orderId: placed.id } })).body).toEqual([]);
    expect((await call(buyer, 'GET /api/payments')).status).toBe(400);
    expect((await call(anonymous, 'GET /api/payments', { query: { orderId: placed.id } })).status).toBe(401);
    expect((await call(anonymous, 'POST /api/payments', { body: { orderId: placed.id, token: 'tok_visa' } })).status).toBe(401);
    expect((await call(buyer, 'POST /api/payments', { body: { orderId: placed.id } })).status).toBe(400);
    expect((await call(buyer, 'POST /api/payments', { body: { orderId: UNKNOWN_ID, token: 'tok_visa' } })).status).toBe(404);
    await poll(async () => {
      const res = await call(other, 'POST /api/payments', { body: { orderId: placed.id, token: 'tok_visa' } });
      return res.status === 401 ? res : undefined;
    }, 'payments to know the order');
    expect((await call(buyer, 'POST /api/payments', { body: { orderId: placed.id, token: 'tok_chargeDeclined' } })).status).toBe(402);
    const paid = await call(buyer, 'POST /api/payments', { body: { orderId: placed.id, token: 'tok_visa' } });
    expect(paid.body).toMatchObject({ orderId: placed.id, amount: 2500, status: 'succeeded' });
    const again = await call(buyer, 'POST /api/payments', { body: { orderId: placed.id, token: 'tok_visa' } });
    expect(again.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });
    expect((await call(buyer, 'GET /api/payments', { query: { orderId: placed.id } })).body).toMatchObject([{ status: 'succeeded' }]);
    await poll(async () => {
      const res = await call(buyer, 'DELETE /api/orders/{orderId}', { params: { orderId: placed.id } });
      return res.status === 400 ? res : undefined;
    }, 'orders to complete the paid order');

    const cancelled = await order(await sell('cancelled concert'));
    expect((await call(other, 'DELETE /api/orders/{orderId}', { params: { orderId: cancelled.id } })).status).toBe(401);
    expect((await call(buyer, 'DELETE /api/orders/{orderId}', { params: { orderId: UNKNOWN_ID } })).status).toBe(404);
    expect((await call(buyer, 'DELETE /api/orders/{orderId}', { params: { orderId: cancelled.id } })).status).toBe(204);
    const twice = await call(buyer, 'DELETE /api/orders/{orderId}', { params: { orderId: cancelled.id } });
    expect(twice.body).toEqual({ errors: [{ message: 'Order is already cancelled' }] });
    // Only once payments' replica has the cancellation is paying a 400 (before, it could still charge).
    await poll(
      async () => system.paymentsDb.collection('orders').findOne({ _id: cancelled.id as never, status: 'cancelled' }),
      'payments to learn of the cancellation',
    );
    const late = await call(buyer, 'POST /api/payments', { body: { orderId: cancelled.id, token: 'tok_visa' } });
    expect(late.body).toEqual({ errors: [{ message: 'Cannot pay for a cancelled order' }] });
  }, 120_000);

  it('when each service is probed on its own port, then health, readiness and metrics answer as documented', async () => {
    for (const name of SERVICE_NAMES) {
      const direct = new ApiClient(system.stack.services[name][0].url);
      expect((await call(direct, 'GET /healthz')).body).toEqual({ status: 'ok' });
      expect((await call(direct, 'GET /readyz')).body).toEqual({ status: 'ok' });
      expect((await call<string>(direct, 'GET /metrics')).body).toContain('# TYPE');
    }
  }, 30_000);

  it('when the flows above ran, then every documented route answered something other than 404 and every documented status was seen', () => {
    const missing: string[] = [];
    for (const [key, statuses] of contract.documentedStatuses()) {
      const seen = contract.seen.get(key) ?? new Set<string>();
      if (![...seen].some((status) => status !== '404')) missing.push(`${key}: no answer but 404 (is it served?)`);
      for (const status of statuses) if (!seen.has(status) && !NOT_PROVOKED[`${key} ${status}`]) missing.push(`${key} ${status}`);
    }
    expect(missing).toEqual([]);
  });
});
