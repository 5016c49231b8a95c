// Service crashes (SIGKILL, no graceful shutdown) while ticket events flow. The orders service must
// apply every event exactly once after its restart; the tickets service must still publish every
// event it answered 2xx for (its outbox relay resumes after the restart).
import { ApiClient, type Ticket } from './support/api-client';
import { mapLimit, readReplicaReport, TicketLedger, waitForReplicas } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { ticketsOutboxBacklog } from './support/tickets-outbox';
import { eventually } from '@ticketing/testkit';

describe('service crashes', () => {
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

  /** Creates `count` tickets and updates each `updates` times (tickets concurrently, each ticket's updates in turn). */
  async function burst(
    ledger: TicketLedger,
    prefix: string,
    count: number,
    updates: number,
    failed: string[],
    concurrency = 10,
  ): Promise<void> {
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => {
        const created = await seller.request<Ticket>('POST', '/api/tickets', { title: `${prefix} ${i}`, price: 10 + i });
        if (created.status !== 201) {
          failed.push(`POST ${created.status}`);
          return;
        }
        ledger.record(created.body);
        for (let u = 1; u <= updates; u += 1) {
          const res = await seller.request<Ticket>('PUT', `/api/tickets/${created.body.id}`, {
            title: `${prefix} ${i} v${u}`,
            price: 10 + i + u * 100,
          });
          if (res.status !== 200) failed.push(`PUT ${res.status}`);
          else ledger.record(res.body);
        }
      },
    );
  }

  it(
    'when the orders service is SIGKILLed during a burst of ticket events and restarted, then every event is applied once: one replica per ticket, each at its final version and price (0 lost, 0 duplicated, 0 stale)',
    () =>
      system.log.around(async () => {
        const orders = system.stack.services.orders[0];
        const ledger = new TicketLedger();
        const failed: string[] = [];
        let burstDone = false;
        const writes = burst(ledger, 'orders-crash', 60, 3, failed).finally(() => {
          burstDone = true;
        });

        // Kill it once it is busy applying the burst.
        const appliedAtKill = await eventually(
          async () => {
            const replicas = await system.ordersDb.collection('tickets').countDocuments({ title: /^orders-crash/ });
            return replicas >= 10 ? replicas : undefined;
          },
          'orders to start applying the burst',
          60_000,
        );
        await orders.kill();
        const killedMidBurst = !burstDone;
        await writes;
        await orders.start();
        // A transaction the killed process left open holds its documents until MongoDB aborts it
        // (TRANSACTION_LIFETIME_SECONDS here); the redelivered event waits for that.
        const report = await waitForReplicas(system.ordersDb, ledger.expected, 120_000);
        const perId = await system.ordersDb
          .collection('tickets')
          .aggregate<{ _id: unknown; n: number }>([
            { $match: { title: /^orders-crash/ } },
            { $group: { _id: '$_id', n: { $sum: 1 } } },
            { $match: { n: { $gt: 1 } } },
          ])
          .toArray();
        console.log(
          `orders crash: killed with ${appliedAtKill} replicas applied${killedMidBurst ? ', mid-burst' : ', after the burst'}; ` +
            `${ledger.expected.length} tickets, ${ledger.expected.reduce((n, t) => n + t.version + 1, 0)} events; ` +
            `lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}, ids with more than one replica ${perId.length}, failed requests ${failed.length}`,
        );
        expect(failed).toEqual([]);
        expect(report).toEqual({ tickets: 60, lost: 0, duplicated: 0, stale: 0 });
        expect(perId).toEqual([]);
      }),
    240_000,
  );

  it(
    'when the tickets service is SIGKILLed right after a burst of writes it answered 2xx and restarted, then every one of those events still reaches orders (0 lost, 0 duplicated, 0 stale)',
    () =>
      system.log.around(async () => {
        const tickets = system.stack.services.tickets[0];
        const ledger = new TicketLedger();
        const failed: string[] = [];
        await burst(ledger, 'relay-crash', 100, 1, failed, 25);
        await tickets.kill();
        // What the relay had not published yet when the process died.
        const backlogAtKill = (await ticketsOutboxBacklog(system.ticketsDb)).unpublished;
        const reachedAtKill = await readReplicaReport(system.ordersDb, ledger.expected);
        await tickets.start();

        const report = await waitForReplicas(system.ordersDb, ledger.expected, 120_000);
        console.log(
          `relay crash: ${ledger.expected.length} tickets, ${ledger.expected.length * 2} events answered 2xx; at the kill ${backlogAtKill} unpublished, ` +
            `${reachedAtKill.tickets - reachedAtKill.lost - reachedAtKill.stale} tickets already final in orders; ` +
            `after restart: lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}`,
        );
        expect(failed).toEqual([]);
        expect(report).toEqual({ tickets: 100, lost: 0, duplicated: 0, stale: 0 });
      }),
    240_000,
  );
  it(
    'when the tickets service is SIGKILLed while every event of a burst waits in its outbox (the broker was down) and both come back, then every event reaches orders (0 lost, 0 duplicated, 0 stale)',
    () =>
      system.log.around(async () => {
        const { stack } = system;
        const tickets = stack.services.tickets[0];
        const ledger = new TicketLedger();
        const failed: string[] = [];
        await stack.nats!.pause();
        await burst(ledger, 'outbox-crash', 50, 1, failed, 25);
        await tickets.kill();
        // This burst's events only: an earlier test's relay may have died holding claims on events it had published.
        const { unpublished: backlogAtKill, claimed: claimedAtKill } = await ticketsOutboxBacklog(
          system.ticketsDb,
          ledger.expected.map((t) => t.id),
        );
        await stack.nats!.restart();
        await tickets.start();

        // The dead relay's claims lapse (10 s) before the new relay takes those rows over.
        const report = await waitForReplicas(system.ordersDb, ledger.expected, 120_000);
        console.log(
          `relay crash with the broker down: ${ledger.expected.length} tickets, ${ledger.expected.length * 2} events answered 2xx; ` +
            `at the kill ${backlogAtKill} unpublished (${claimedAtKill} claimed by the dead relay); ` +
            `after restart: lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}`,
        );
        expect(failed).toEqual([]);
        expect(backlogAtKill).toBe(100);
        expect(report).toEqual({ tickets: 50, lost: 0, duplicated: 0, stale: 0 });
      }),
    240_000,
  );
});
