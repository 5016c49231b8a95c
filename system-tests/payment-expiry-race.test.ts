// Payment racing expiry: 100 orders, each paid close to the instant it expires. Whatever wins, every
// order must end either complete with exactly one live charge, or cancelled with no live charge
// (none, or only refunded ones), and a complete order's ticket stays sold.
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Order, type Ticket } from './support/api-client';
import { chargesAtProvider, placeOrder, replicatedToPayments, sellTicket } from './support/purchase';
import { mapLimit } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';

const ORDERS = 100;
const BUYERS = 20;
const WINDOW_SECONDS = 10;
/** Each payment is sent this close to its order's expiry, before or after (uniformly). */
const SPREAD_MS = 400;

describe('payment racing expiry', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack({
      env: { EXPIRATION_WINDOW_SECONDS: String(WINDOW_SECONDS), EXPIRATION_SWEEP_INTERVAL_MS: '100', RECONCILE_INTERVAL_MS: '2000' },
    });
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(
    'when 100 orders are each paid within 400 ms of their expiry, then none ends cancelled with a live charge, none complete without exactly one, and no complete order loses its ticket',
    () =>
      system.log.around(async () => {
        const { stack } = system;
        const seller = new ApiClient(stack.url);
        await seller.signup();
        const tickets = await mapLimit(
          Array.from({ length: ORDERS }, (_, i) => i),
          10,
          (i) => sellTicket(seller, `race ${i}`, 10 + i / 4),
        );
        const buyers = await Promise.all(
          Array.from({ length: BUYERS }, async () => {
            const buyer = new ApiClient(stack.url);
            await buyer.signup();
            return buyer;
          }),
        );
        const placed = await mapLimit(tickets, 10, async (ticket: Ticket, i) => {
          const buyer = buyers[i % BUYERS];
          return { buyer, ticket, order: await placeOrder(buyer, ticket) };
        });
        await mapLimit(placed, 10, ({ order }) => replicatedToPayments(system.paymentsDb, order.id));

        // Each payment fires at its own order's expiry instant, give or take SPREAD_MS.
        const answers = await Promise.all(
          placed.map(({ buyer, order }) => {
            const at = new Date(order.expiresAt).getTime() + (Math.random() * 2 - 1) * SPREAD_MS;
            return new Promise<number>((resolve) => {
              setTimeout(
                () => {
                  buyer.request('POST', '/api/payments', { orderId: order.id, token: 'tok_visa' }).then(
                    (res) => resolve(res.status),
                    () => resolve(-1),
                  );
                },
                Math.max(0, at - Date.now()),
              );
            });
          }),
        );

        // Settled: every order complete or cancelled, and every cancelled order's charges refunded.
        const final = await eventually(
          async () => {
            const orders = await Promise.all(
              placed.map(async ({ buyer, order }) => (await buyer.request<Order>('GET', `/api/orders/${order.id}`)).body),
            );
            const settled = orders.every((o) => {
              const charges = chargesAtProvider(stack.stripe!, o.id);
              if (o.status === 'complete') return true;
              return o.status === 'cancelled' && charges.succeeded === charges.refunded;
            });
            return settled ? orders : undefined;
          },
          'every order to settle',
          90_000,
          250,
        );

        const outcome = {
          complete: 0,
          cancelledNoCharge: 0,
          cancelledRefunded: 0,
          cancelledLiveCharge: 0,
          completeWithoutOneCharge: 0,
          completeTicketReleased: 0,
        };
        for (const order of final) {
          const charges = chargesAtProvider(stack.stripe!, order.id);
          const live = charges.succeeded - charges.refunded;
          if (order.status === 'complete') {
            outcome.complete += 1;
            if (charges.succeeded !== 1 || live !== 1) outcome.completeWithoutOneCharge += 1;
            const ticket = await seller.request<Ticket>('GET', `/api/tickets/${order.ticket.id}`);
            if (ticket.body.orderId !== order.id) outcome.completeTicketReleased += 1;
          } else if (live > 0) outcome.cancelledLiveCharge += 1;
          else if (charges.succeeded > 0) outcome.cancelledRefunded += 1;
          else outcome.cancelledNoCharge += 1;
        }
        const statuses: Record<string, number> = {};
        for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
        console.log(`payment vs expiry: ${JSON.stringify(outcome)}; POST /api/payments answers ${JSON.stringify(statuses)}`);

        expect(outcome.cancelledLiveCharge).toBe(0);
        expect(outcome.completeWithoutOneCharge).toBe(0);
        expect(outcome.completeTicketReleased).toBe(0);
        expect(outcome.complete + outcome.cancelledNoCharge + outcome.cancelledRefunded).toBe(ORDERS);
        // Every answer is a success or a clear refusal (cancelled, already paid), never a 5xx or a dropped request.
        expect(Object.keys(statuses).filter((status) => status !== '201' && status !== '400')).toEqual([]);
      }),
    240_000,
  );
});
