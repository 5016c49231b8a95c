// The stack on a 3-node NATS cluster (NATS_URL = the three servers, NATS_STREAM_REPLICAS=3): a node
// SIGKILLed in the middle of 500 ticket writes, and restarted later. The writes never wait for the
// broker (the outbox holds the events), so none may fail; the relay and the durables ride the
// election, so every ticket reaches orders' replica exactly once at its final version.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsCluster, type NatsClusterHandle } from '@ticketing/testkit';
import { ApiClient } from './support/api-client';
import { waitForReplicas } from './support/replica-report';
import { startSystemStack, type SystemStack } from './support/system-stack';
import { runWriteBurst, statusSummary } from './support/write-burst';

const STREAM = 'TICKETING';
const CREATES = 400;
const UPDATES = 100;

describe('NATS cluster failover', () => {
  let cluster: NatsClusterHandle;
  let system: SystemStack;
  let seller: ApiClient;

  beforeAll(async () => {
    cluster = await startNatsCluster({ size: 3 });
    system = await startSystemStack({ env: { NATS_URL: cluster.url, NATS_STREAM_REPLICAS: '3' } });
    seller = new ApiClient(system.stack.url);
    await seller.signup();
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await cluster?.stop();
  }, 60_000);

  /** 500 writes; `pick` chooses the node to SIGKILL after 150 answers; it is restarted after 350. */
  async function writesThroughKill(title: string, pick: () => Promise<string>): Promise<{ killed: string; leaderAfter: string }> {
    let killed = '';
    const burst = await runWriteBurst(seller, {
      creates: CREATES,
      updates: UPDATES,
      title,
      faults: [
        {
          after: 150,
          run: async () => {
            killed = await pick();
            await cluster.node(killed).kill();
          },
        },
        { after: 350, run: async () => cluster.node(killed || (await pick())).restart() },
      ],
    });
    await Promise.all(burst.faults);
    const leaderAfter = (await cluster.waitForStreamLeader(STREAM)).name;
    const report = await waitForReplicas(system.ordersDb, burst.ledger.expected, 90_000);
    console.log(
      `${title}: killed ${killed} (stream leader after: ${leaderAfter}); ${CREATES + UPDATES} writes answered ${statusSummary(burst.statuses)}; ` +
        `orders: ${report.tickets} tickets, lost ${report.lost}, duplicated ${report.duplicated}, stale ${report.stale}`,
    );
    expect(burst.failures.filter((f) => / 5\d\d$/.test(f))).toEqual([]);
    expect(burst.failures).toEqual([]);
    expect(report).toEqual({ tickets: CREATES, lost: 0, duplicated: 0, stale: 0 });
    return { killed, leaderAfter };
  }

  it(
    "when the stream's leader is SIGKILLed in the middle of 500 ticket writes and restarted later, then no write fails and every ticket reaches orders exactly once at its final version",
    () =>
      system.log.around(async () => {
        // The services made the stream and orders' durable with three replicas (an R1 stream on the
        // killed node would only come back with it).
        const nc = await connect({ servers: [...cluster.urls] });
        try {
          const jsm = await jetstreamManager(nc);
          expect((await jsm.streams.info(STREAM)).config.num_replicas).toBe(3);
          expect((await jsm.consumers.info(STREAM, 'orders-service_ticket-created')).config.num_replicas).toBe(3);
        } finally {
          await nc.close();
        }
        const { killed, leaderAfter } = await writesThroughKill(
          'leader killed',
          async () => (await cluster.waitForStreamLeader(STREAM)).name,
        );
        expect(leaderAfter).not.toBe('');
        expect(killed).not.toBe('');
      }),
    240_000,
  );

  it(
    'when a node that does not lead the stream is SIGKILLed in the middle of 500 ticket writes and restarted later, then no write fails and every ticket reaches orders exactly once at its final version',
    () =>
      system.log.around(async () => {
        let leader = '';
        const { killed } = await writesThroughKill('follower killed', async () => {
          leader = (await cluster.waitForStreamLeader(STREAM)).name;
          return cluster.nodes.find((n) => n.name !== leader && n.running)!.name;
        });
        expect(killed).not.toBe(leader);
      }),
    240_000,
  );
});
