// The whole flow and the double-booking race, through the gateway of a real local stack (MongoDB
// double, nats-server, the three services as processes). Everything is driven through HTTP.
import mongoose from 'mongoose';
import { ApiClient, type Order, type Ticket } from './support/api-client';
import { mapLimit } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { eventually } from '@ticketing/testkit';

interface ErrorBody {
  errors: Array<{ message: string }>;
}

describe('the suite through the gateway', () => {
  let system: SystemStack;
  let url: string;

  beforeAll(async () => {
    system = await startSystemStack();
    url = system.stack.url;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  /** Waits until orders' ticket replica holds `ticketId` at `version` (read from its database; no route shows it). */
  async function replicaAtVersion(ticketId: string, version: number): Promise<void> {
    const _id = new mongoose.Types.ObjectId(ticketId);
    await eventually(
      () => system.ordersDb.collection('tickets').findOne({ _id, version }),
      `orders' replica to reach version ${version}`,
      30_000,
    );
  }

  it(
    'when a ticket is sold, ordered, cancelled, repriced and ordered again, then each service sees every step (lock, release, new price and version)',
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(url);
        const buyer = new ApiClient(url);
        await seller.signup();
        await buyer.signup();

        const created = await seller.request<Ticket>('POST', '/api/tickets', { title: 'concert', price: 20 });
        expect(created.status).toBe(201);
        expect(created.body.version).toBe(0);
        const ticketId = created.body.id;
        const updated = await seller.request<Ticket>('PUT', `/api/tickets/${ticketId}`, { title: 'concert', price: 25 });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({ id: ticketId, price: 25, version: 1 });

        // The ticket reaches orders through the broker: ordering answers 404 until then.
        const order = await eventually(
          async () => {
            const res = await buyer.request<Order>('POST', '/api/orders', { ticketId });
            if (res.status !== 404 && res.status !== 201) throw new Error(`unexpected ${res.status} ${JSON.stringify(res.body)}`);
            return res.status === 201 ? res.body : undefined;
          },
          'the ticket to reach orders',
          30_000,
        );
        expect(order).toMatchObject({ status: 'created', version: 0, ticket: { id: ticketId } });

        // order:created reaches tickets: the ticket is locked and leaves the index.
        const locked = await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.orderId === order.id ? res.body : undefined;
          },
          'the ticket to be reserved by the order',
          30_000,
        );
        expect(locked.version).toBe(2);
        const refused = await seller.request<ErrorBody>('PUT', `/api/tickets/${ticketId}`, { title: 'concert', price: 30 });
        expect(refused.status).toBe(400);
        expect(refused.body.errors[0].message).toBe('Cannot edit a reserved ticket');
        const index = await seller.request<Ticket[]>('GET', '/api/tickets');
        expect(index.body.map((t) => t.id)).not.toContain(ticketId);

        // The reservation's ticket:updated (version 2) reaches the orders replica; the order keeps the
        // ticket as it was when placed (its snapshot, whichever version orders had then).
        await replicaAtVersion(ticketId, 2);
        expect((await buyer.request<Order>('GET', `/api/orders/${order.id}`)).body.ticket).toEqual(order.ticket);

        const cancelled = await buyer.request('DELETE', `/api/orders/${order.id}`);
        expect(cancelled.status).toBe(204);
        expect((await buyer.request<Order>('GET', `/api/orders/${order.id}`)).body.status).toBe('cancelled');

        // order:cancelled reaches tickets: released, editable again, back in the index.
        const released = await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.version === 3 ? res.body : undefined;
          },
          'the ticket to be released',
          30_000,
        );
        expect(released.orderId).toBeUndefined();
        const back = await seller.request<Ticket[]>('GET', '/api/tickets');
        expect(back.body.map((t) => t.id)).toContain(ticketId);
        const repriced = await seller.request<Ticket>('PUT', `/api/tickets/${ticketId}`, { title: 'concert', price: 40 });
        expect(repriced.status).toBe(200);
        expect(repriced.body).toMatchObject({ price: 40, version: 4 });

        // Once orders' replica has version 4, a new order takes the new price; the cancelled one keeps its own.
        await replicaAtVersion(ticketId, 4);
        expect((await buyer.request<Order>('GET', `/api/orders/${order.id}`)).body.ticket).toEqual(order.ticket);
        const again = await buyer.request<Order>('POST', '/api/orders', { ticketId });
        expect(again.status).toBe(201);
        expect(again.body).toMatchObject({ status: 'created', ticket: { id: ticketId, price: 40, version: 4 } });
        expect(again.body.id).not.toBe(order.id);

        await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.orderId === again.body.id ? res.body : undefined;
          },
          'the second order to reserve the ticket',
          30_000,
        ).then((t) => expect(t.version).toBe(5));
      }),
    120_000,
  );

  it(
    'when 100 users order the same ticket at once, then exactly one order is created, the 99 others are told it is reserved, and one order is active',
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(url);
        await seller.signup();
        const created = await seller.request<Ticket>('POST', '/api/tickets', { title: 'final', price: 99 });
        expect(created.status).toBe(201);
        const ticketId = created.body.id;

        // A probe order (then cancelled) tells, through HTTP, that the ticket has reached orders.
        const probe = new ApiClient(url);
        await probe.signup();
        const probeOrder = await eventually(
          async () => {
            const res = await probe.request<Order>('POST', '/api/orders', { ticketId });
            return res.status === 201 ? res.body : undefined;
          },
          'the ticket to reach orders',
          30_000,
        );
        expect((await probe.request('DELETE', `/api/orders/${probeOrder.id}`)).status).toBe(204);

        const buyers = Array.from({ length: 100 }, () => new ApiClient(url));
        await mapLimit(buyers, 20, (b) => b.signup());

        const answers = await Promise.all(buyers.map((b) => b.request<Order | ErrorBody>('POST', '/api/orders', { ticketId })));
        const createdCount = answers.filter((a) => a.status === 201).length;
        const reservedCount = answers.filter(
          (a) => a.status === 400 && (a.body as ErrorBody).errors?.[0]?.message === 'Ticket is already reserved',
        ).length;
        const otherCount = answers.length - createdCount - reservedCount;

        // Re-read every buyer's orders: the active orders for this ticket.
        const lists = await mapLimit(buyers, 20, (b) => b.request<Order[]>('GET', '/api/orders'));
        const activeOrders = lists.flatMap((l) => l.body).filter((o) => o.ticket.id === ticketId && o.status !== 'cancelled');
        const doubleBooked = Math.max(0, activeOrders.length - 1);
        console.log(
          `double booking: ${createdCount} created, ${reservedCount} "already reserved", ${otherCount} other answers, ` +
            `${activeOrders.length} active order(s), ${doubleBooked} double-booked`,
        );
        expect({ createdCount, reservedCount, otherCount, activeOrders: activeOrders.length, doubleBooked }).toEqual({
          createdCount: 1,
          reservedCount: 99,
          otherCount: 0,
          activeOrders: 1,
          doubleBooked: 0,
        });

        // The winner's order:created reaches tickets: the ticket is held by that order.
        const winner = answers.find((a) => a.status === 201)!.body as Order;
        await eventually(
          async () => {
            const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
            return res.body.orderId === winner.id ? res.body : undefined;
          },
          'the winning order to reserve the ticket',
          30_000,
        );
      }),
    120_000,
  );
});
