// A broker outage: while nats-server is down, writes still succeed (the events wait in the tickets
// outbox); once it is back on the same store, every event reaches orders, once, in order.
import { ApiClient, type Ticket } from './support/api-client';
import { mapLimit, readReplicaReport, TicketLedger, waitForReplicas } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { ticketsOutboxBacklog } from './support/tickets-outbox';
import { eventually } from '@ticketing/testkit';

const TICKETS = 100;

describe('broker outage', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(
    'when nats-server is down while 100 tickets are created and updated, then every request succeeds and, once the broker is back, orders holds every ticket at its final version and price (0 lost, 0 duplicated, 0 stale)',
    () =>
      system.log.around(async () => {
        const { stack } = system;
        const seller = new ApiClient(stack.url);
        await seller.signup();

        await stack.nats!.pause();
        // The services notice: their readiness names the broker.
        for (const replica of [...stack.services.tickets, ...stack.services.orders]) {
          await eventually(
            async () => ((await fetch(`${replica.url}/readyz`)).status === 503 ? true : undefined),
            `${replica.name} to report the broker down`,
            20_000,
          );
        }

        const ledger = new TicketLedger();
        const failed: string[] = [];
        const tickets = await mapLimit(
          Array.from({ length: TICKETS }, (_, i) => i),
          10,
          async (i) => {
            const res = await seller.request<Ticket>('POST', '/api/tickets', { title: `outage ${i}`, price: 10 + i });
            if (res.status !== 201) failed.push(`POST ${res.status}`);
            else ledger.record(res.body);
            return res.body;
          },
        );
        await mapLimit(tickets, 10, async (t) => {
          if (!t?.id) return;
          const res = await seller.request<Ticket>('PUT', `/api/tickets/${t.id}`, { title: `${t.title} (updated)`, price: t.price + 1000 });
          if (res.status !== 200) failed.push(`PUT ${res.status}`);
          else ledger.record(res.body);
        });
        expect(failed).toEqual([]);

        // Nothing got through while the broker was down: the events wait on the tickets.
        const during = await readReplicaReport(system.ordersDb, ledger.expected);
        const backlog = (await ticketsOutboxBacklog(system.ticketsDb)).unpublished;
        expect(during.lost).toBe(TICKETS);
        expect(backlog).toBeGreaterThanOrEqual(2 * TICKETS);

        await stack.nats!.restart();
        const report = await waitForReplicas(system.ordersDb, ledger.expected, 90_000);
        console.log(
          `broker outage: ${2 * TICKETS - failed.length}/${2 * TICKETS} requests answered 2xx while down, backlog ${backlog} events; ` +
            `after restart: ${report.tickets} tickets, lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}`,
        );
        expect(report).toEqual({ tickets: TICKETS, lost: 0, duplicated: 0, stale: 0 });
      }),
    180_000,
  );
});
