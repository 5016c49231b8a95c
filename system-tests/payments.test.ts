// Buying a ticket end to end through the gateway, and paying under faults: the payments service
// killed between the provider's answer and its own commit, and the broker down while paying.
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Ticket } from './support/api-client';
import { chargesAtProvider, orderStatus, placeOrder, replicatedToPayments, sellTicket, type Payment } from './support/purchase';
import { startSystemStack, type SystemStack } from './support/system-stack';

describe('payments through the gateway', () => {
  let system: SystemStack;
  let seller: ApiClient;

  beforeAll(async () => {
    system = await startSystemStack();
    seller = new ApiClient(system.stack.url);
    await seller.signup();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(
    'when a buyer orders and pays, then the order becomes complete, the ticket stays sold, and the provider holds one charge of the ordered price',
    () =>
      system.log.around(async () => {
        const buyer = new ApiClient(system.stack.url);
        await buyer.signup();
        const ticket = await sellTicket(seller, 'flow concert', 19.99);
        const order = await placeOrder(buyer, ticket);
        await replicatedToPayments(system.paymentsDb, order.id);

        const declined = await buyer.request<{ errors: { message: string }[] }>('POST', '/api/payments', {
          orderId: order.id,
          token: 'tok_chargeDeclined',
        });
        expect(declined.status).toBe(402);
        expect(declined.body.errors[0].message).toBe('Your card was declined.');
        expect(await orderStatus(buyer, order.id)).toBe('created');

        const paid = await buyer.request<Payment>('POST', '/api/payments', { orderId: order.id, token: 'tok_visa' });
        expect(paid.status).toBe(201);
        expect(paid.body).toMatchObject({ orderId: order.id, amount: 1999, currency: 'usd', status: 'succeeded' });

        await eventually(async () => (await orderStatus(buyer, order.id)) === 'complete', 'the order to complete');
        const listed = await buyer.request<Payment[]>('GET', `/api/payments?orderId=${order.id}`);
        expect(listed.body.map((p) => p.status)).toEqual(['succeeded']);
        expect(chargesAtProvider(system.stack.stripe!, order.id)).toEqual({ succeeded: 1, refunded: 0 });

        // Sold for good: still reserved by the order, not for sale, not editable, not orderable again.
        const shown = await seller.request<Ticket>('GET', `/api/tickets/${ticket.id}`);
        expect(shown.body.orderId).toBe(order.id);
        const forSale = await seller.request<Ticket[]>('GET', '/api/tickets');
        expect(forSale.body.map((t) => t.id)).not.toContain(ticket.id);
        expect((await seller.request('PUT', `/api/tickets/${ticket.id}`, { title: 'again', price: 1 })).status).toBe(400);
        const other = new ApiClient(system.stack.url);
        await other.signup();
        expect((await other.request('POST', '/api/orders', { ticketId: ticket.id })).status).toBe(400);
        expect((await buyer.request('DELETE', `/api/orders/${order.id}`)).status).toBe(400);
      }),
    60_000,
  );

  it(
    'when payments is SIGKILLed after the provider charged but before its commit, then after the restart the charge is found and recorded once and the order completes',
    () =>
      system.log.around(async () => {
        const { stack } = system;
        const buyer = new ApiClient(stack.url);
        await buyer.signup();
        const order = await placeOrder(buyer, await sellTicket(seller, 'crash concert', 42));
        await replicatedToPayments(system.paymentsDb, order.id);

        // The provider charges, then its answer never comes back: the service waits for it.
        stack.stripe!.failNext(1, { afterProcessing: true, hang: true, method: 'POST', path: '/v1/payment_intents' });
        const paying = buyer.request('POST', '/api/payments', { orderId: order.id, token: 'tok_visa' }).catch(() => undefined);
        await eventually(() => chargesAtProvider(stack.stripe!, order.id).succeeded === 1, 'the provider to charge');
        const payments = stack.services.payments[0];
        await payments.kill();
        await paying;
        // The fault is real: the provider charged, the service recorded no succeeded payment.
        expect(await system.paymentsDb.collection('payments').countDocuments({ orderId: order.id, status: 'succeeded' })).toBe(0);

        await payments.restart();
        const recorded = await eventually(
          async () => {
            const res = await buyer.request<Payment[]>('GET', `/api/payments?orderId=${order.id}`);
            return res.status === 200 && res.body.length > 0 ? res.body : undefined;
          },
          'the reconciliation to record the charge',
          60_000,
        );
        expect(recorded).toHaveLength(1);
        expect(recorded[0]).toMatchObject({ status: 'succeeded', amount: 4200 });
        await eventually(async () => (await orderStatus(buyer, order.id)) === 'complete', 'the order to complete');
        expect(chargesAtProvider(stack.stripe!, order.id)).toEqual({ succeeded: 1, refunded: 0 });
        // A second try is refused: the order is paid.
        expect((await buyer.request('POST', '/api/payments', { orderId: order.id, token: 'tok_visa' })).status).toBe(400);
        expect(chargesAtProvider(stack.stripe!, order.id).succeeded).toBe(1);
      }),
    120_000,
  );

  it(
    'when the broker is down while a buyer pays, then the payment succeeds and the order completes once the broker is back',
    () =>
      system.log.around(async () => {
        const { stack } = system;
        const buyer = new ApiClient(stack.url);
        await buyer.signup();
        const order = await placeOrder(buyer, await sellTicket(seller, 'outage concert', 7.5));
        await replicatedToPayments(system.paymentsDb, order.id);

        await stack.nats!.pause();
        try {
          const paid = await buyer.request<Payment>('POST', '/api/payments', { orderId: order.id, token: 'pm_card_visa' });
          expect(paid.status).toBe(201);
          expect(paid.body).toMatchObject({ amount: 750, status: 'succeeded' });
          expect(await orderStatus(buyer, order.id)).toBe('created');
        } finally {
          await stack.nats!.restart();
        }
        await eventually(async () => (await orderStatus(buyer, order.id)) === 'complete', 'the order to complete after the outage', 60_000);
        expect(chargesAtProvider(stack.stripe!, order.id)).toEqual({ succeeded: 1, refunded: 0 });
      }),
    120_000,
  );
});
