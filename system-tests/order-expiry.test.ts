// Order expiry with a short window (EXPIRATION_WINDOW_SECONDS=3): the orders service cancels an
// unpaid order by itself, and its order:cancelled releases the ticket in the tickets service.
import { ApiClient, type Order, type Ticket } from './support/api-client';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { eventually } from '@ticketing/testkit';

describe('order expiry', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack({ env: { EXPIRATION_WINDOW_SECONDS: '3' } });
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(
    'when an order is not paid within EXPIRATION_WINDOW_SECONDS, then it is cancelled and its ticket is released: editable again, back in the index, orderable again',
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(system.stack.url);
        const buyer = new ApiClient(system.stack.url);
        await seller.signup();
        await buyer.signup();
        const created = await seller.request<Ticket>('POST', '/api/tickets', { title: 'matinee', price: 15 });
        expect(created.status).toBe(201);
        const ticketId = created.body.id;

        const order = await eventually(
          async () => {
            const res = await buyer.request<Order>('POST', '/api/orders', { ticketId });
            return res.status === 201 ? res.body : undefined;
          },
          'the ticket to reach orders',
          30_000,
        );
        expect(order.status).toBe('created');
        const window = Date.parse(order.expiresAt) - Date.now();
        expect(window).toBeLessThanOrEqual(3_000);

        // Reserved in tickets first (the order holds it), so the release below is the expiry's doing.
        await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.orderId === order.id ? true : undefined;
          },
          'the order to reserve the ticket',
          30_000,
        );

        const expired = await eventually(
          async () => {
            const res = await buyer.request<Order>('GET', `/api/orders/${order.id}`);
            return res.body.status === 'cancelled' ? res.body : undefined;
          },
          'the order to expire',
          30_000,
        );
        expect(expired.version).toBe(1);

        const released = await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.orderId === undefined && res.body.version === 2 ? res.body : undefined;
          },
          'the expiry to release the ticket',
          30_000,
        );
        expect(released).toMatchObject({ id: ticketId, version: 2 });
        const index = await seller.request<Ticket[]>('GET', '/api/tickets');
        expect(index.body.map((t) => t.id)).toContain(ticketId);
        const edited = await seller.request<Ticket>('PUT', `/api/tickets/${ticketId}`, { title: 'matinee', price: 12 });
        expect(edited.status).toBe(200);
        expect(edited.body.version).toBe(3);

        const again = await buyer.request<Order>('POST', '/api/orders', { ticketId });
        expect(again.status).toBe(201);
        console.log(
          `order expiry: order ${order.id} cancelled by the service (version ${expired.version}); ticket released at version ${released.version}, edited to ${edited.body.version}, ordered again`,
        );
      }),
    120_000,
  );
});
