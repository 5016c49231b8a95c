// The MongoDB primary steps down (replSetStepDown: it refuses writes with NotWritablePrimary and
// retryable labels for a few seconds, then is primary again) in the middle of a burst of ticket
// writes through the gateway. The driver's retryable writes and transactions, and the services' own
// retries, must carry every write over it: nothing lost, no 5xx, and orders' replica complete.
import { eventually } from '@ticketing/testkit';
import { ApiClient } from './support/api-client';
import { waitForReplicas } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { runWriteBurst, statusSummary } from './support/write-burst';

const CREATES = 200;
const UPDATES = 100;
const STEP_DOWN_SECONDS = 5;

describe('MongoDB stepdown', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(
    `when the primary steps down for ${STEP_DOWN_SECONDS} s in the middle of ${CREATES + UPDATES} ticket writes, then no write is lost or answered 5xx and every ticket reaches orders at its final version`,
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(system.stack.url);
        await seller.signup();
        let stepDownReply: unknown;
        let writableDuring: unknown;
        const window = { from: 0, to: 0 };
        const burst = await runWriteBurst(seller, {
          creates: CREATES,
          updates: UPDATES,
          title: 'stepdown',
          faults: [
            {
              after: 60,
              run: async () => {
                // Sent on tickets' database connection; the double is one member for every service's database.
                const admin = system.ticketsDb.admin();
                window.from = Date.now();
                stepDownReply = await admin.command({ replSetStepDown: STEP_DOWN_SECONDS, force: true });
                writableDuring = (await admin.command({ hello: 1 })).isWritablePrimary;
                await eventually(
                  async () => (await admin.command({ hello: 1 })).isWritablePrimary === true,
                  'the member to be primary again',
                  30_000,
                );
                window.to = Date.now();
              },
            },
          ],
        });
        await Promise.all(burst.faults);
        // Writes in flight at some point while the member was not primary (the driver holds them until it is again).
        const overlapped = burst.timings.filter((t) => t.sentAt <= window.to && t.answeredAt >= window.from).length;
        const report = await waitForReplicas(system.ordersDb, burst.ledger.expected, 90_000);
        // Every write the seller was told succeeded is in the tickets database, at the version it was answered with.
        const stored = await system.ticketsDb
          .collection<{ version: number }>('tickets')
          .find({}, { projection: { version: 1 } })
          .toArray();
        const storedVersion = new Map(stored.map((doc) => [String(doc._id), doc.version]));
        const missing = burst.ledger.expected.filter((t) => storedVersion.get(t.id) !== t.version).length;
        console.log(
          `mongo stepdown: not primary for ${window.to - window.from} ms, ${overlapped} writes in flight meanwhile; ${CREATES + UPDATES} writes answered ${statusSummary(burst.statuses)}; ` +
            `tickets db: ${missing} answered writes missing; orders: ${report.tickets} tickets, lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}`,
        );
        expect(stepDownReply).toMatchObject({ ok: 1 });
        // The stepdown took effect while the burst was going on.
        expect(writableDuring).toBe(false);
        expect(overlapped).toBeGreaterThan(0);
        expect(burst.failures.filter((f) => / 5\d\d$/.test(f))).toEqual([]);
        expect(burst.failures).toEqual([]);
        expect(missing).toBe(0);
        expect(report).toEqual({ tickets: CREATES, lost: 0, duplicated: 0, stale: 0 });
      }),
    180_000,
  );
});
