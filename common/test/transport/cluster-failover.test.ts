// The JetStream transport on a 3-node nats-server cluster: replicated streams and durables, and a
// leader killed (SIGKILL) while events are published and consumed.
import { connect, headers } from '@nats-io/transport-node';
import { Subjects, type TicketCreatedEvent } from '@ticketing/common/contracts';
import { DEFAULT_STREAM_NAME, durableName, JetStreamTransport, type TransportConfig } from '@ticketing/common/transport';
import { startNatsCluster, type NatsClusterHandle, eventually } from '@ticketing/testkit';
import { captureLogger, eventFactories, quietLogger, RecordingListener } from './helpers';

// Each case starts its own cluster; leader elections take seconds.
jest.setTimeout(120_000);

const DURABLE = durableName('orders-service', Subjects.TicketCreated);
let cluster: NatsClusterHandle | undefined;
const transports: JetStreamTransport[] = [];

async function transport(config: TransportConfig): Promise<JetStreamTransport> {
  const t = await JetStreamTransport.connect(config, { logger: quietLogger, reconnectTimeWaitMs: 100, publishTimeoutMs: 60_000 });
  transports.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await cluster?.stop();
  cluster = undefined;
});

/** Records, per event id, the delivery count of each delivery it got. */
function listenerRecording(client: JetStreamTransport, handled: Map<string, number[]>): RecordingListener<TicketCreatedEvent> {
  return new RecordingListener<TicketCreatedEvent>(client, Subjects.TicketCreated, 'orders-service', {
    ackWait: 5_000,
    onMessage: (data, msg) => {
      handled.set(data.id, [...(handled.get(data.id) ?? []), msg.deliveryCount]);
      msg.ack();
    },
  });
}

/** How many of the last deliveries before a kill may come again as copies (events are published one at a time). */
const KILL_WINDOW = 10;

interface FailoverRun {
  published: number;
  /** Messages in the stream: one per event, whatever the publisher retried. */
  stored: number;
  lost: number;
  /**
   * Second deliveries that were not redeliveries (delivery count 1 again: copies) of an event whose
   * first delivery was not among the last KILL_WINDOW before the kill. A redelivery, or a copy of an
   * event delivered just before it, is expected now and then: the dead leader had not replicated that
   * delivery or its ack yet, so the new leader delivers it again (the inbox absorbs it). A copy of an
   * event acknowledged well before the kill would be state the cluster lost.
   */
  copiesOutsideKillWindow: number;
  duplicateAcks: number;
}

/**
 * Publishes 300 events one by one (each with its message id) from one connection while another
 * consumes them; `victim` picks the node to SIGKILL after 100, which is restarted after the last.
 */
async function runThroughFailover(victim: (c: NatsClusterHandle, sub: JetStreamTransport) => Promise<string>): Promise<FailoverRun> {
  const c = await startNatsCluster();
  cluster = c;
  const config = { NATS_URL: c.url, NATS_STREAM_REPLICAS: 3 };
  const pub = await transport(config);
  const sub = await transport(config);
  const handled = new Map<string, number[]>();
  const listener = listenerRecording(sub, handled);
  await listener.listen();
  const ids: string[] = [];
  let duplicateAcks = 0;
  let killed: string | undefined;
  let deliveredJustBeforeKill = new Set<string>();
  for (let i = 0; i < 300; i++) {
    if (i === 100) {
      deliveredJustBeforeKill = new Set([...handled.keys()].slice(-KILL_WINDOW));
      killed = await victim(c, sub);
      await c.node(killed).kill();
    }
    const data = eventFactories[Subjects.TicketCreated]();
    const ack = await pub.publish(Subjects.TicketCreated, data, { msgId: `${Subjects.TicketCreated}:${data.id}:0` });
    if (ack.duplicate) duplicateAcks++;
    ids.push(data.id);
  }
  await c.node(killed!).restart();
  await eventually(() => ids.every((id) => handled.has(id)), 'every event to be handled', 60_000).catch(() => undefined);
  await listener.close();
  const redelivered = [...handled.values()].filter((counts) => counts.length > 1).length;
  const copied = [...handled].filter(([, counts]) => counts.slice(1).some((count) => count === 1)).map(([id]) => id);
  console.log(`failover: ${redelivered} of ${ids.length} events delivered again after the kill, ${copied.length} as copies`);
  return {
    published: ids.length,
    stored: (await pub.jsm.streams.info(DEFAULT_STREAM_NAME)).state.messages,
    lost: ids.filter((id) => !handled.has(id)).length,
    copiesOutsideKillWindow: copied.filter((id) => !deliveredJustBeforeKill.has(id)).length,
    duplicateAcks,
  };
}

describe('JetStream transport on a 3-node cluster', () => {
  it('when NATS_STREAM_REPLICAS goes from 1 to 3, then the streams and the durable move to 3 replicas in place, keeping their messages and acknowledgements', async () => {
    cluster = await startNatsCluster();
    const before = await transport({ NATS_URL: cluster.url, NATS_STREAM_REPLICAS: 1 });
    const handled = new Map<string, number[]>();
    const first = listenerRecording(before, handled);
    await first.listen();
    for (let i = 0; i < 3; i++) await before.publish(Subjects.TicketCreated, eventFactories[Subjects.TicketCreated]());
    await eventually(() => handled.size === 3, 'the three events');
    expect((await before.jsm.streams.info(DEFAULT_STREAM_NAME)).config.num_replicas).toBe(1);
    await first.close();
    await before.close();

    const after = await transport({ NATS_URL: cluster.url, NATS_STREAM_REPLICAS: 3 });
    const second = listenerRecording(after, handled);
    await second.listen();
    const stream = await after.jsm.streams.info(DEFAULT_STREAM_NAME);
    const deadLetters = await after.jsm.streams.info(after.deadLetterStreamName);
    // On a cluster, the durable's info read straight after listen() has been seen still reporting 1 (once in
    // four full runs): wait for 3, which never comes if the durable is not updated.
    await eventually(
      async () => (await after.jsm.consumers.info(DEFAULT_STREAM_NAME, DURABLE)).config.num_replicas === 3,
      'the durable at 3 replicas',
    );
    const durable = await after.jsm.consumers.info(DEFAULT_STREAM_NAME, DURABLE);
    expect(stream.config.num_replicas).toBe(3);
    expect(deadLetters.config.num_replicas).toBe(3);
    expect(durable.config.num_replicas).toBe(3);
    expect(stream.state.messages).toBe(3);
    // Nothing delivered again: the durable kept its acknowledgements.
    expect(durable.num_pending + durable.num_ack_pending).toBe(0);
    await eventually(async () => (await after.jsm.streams.info(DEFAULT_STREAM_NAME)).cluster?.replicas?.length === 2, 'two followers');
    expect([...handled.values()]).toEqual([[1], [1], [1]]);
    await second.close();
  });

  it("when the stream's leader is SIGKILLed mid-run, then every publish is stored once and every event is delivered, none lost, and no copy of an event acknowledged before the last moments of the dead leader", async () => {
    const run = await runThroughFailover(async (c) => (await c.waitForStreamLeader(DEFAULT_STREAM_NAME)).name);
    expect(run).toEqual({ published: 300, stored: 300, lost: 0, copiesOutsideKillWindow: 0, duplicateAcks: 0 });
  });

  it("when the durable's leader is SIGKILLed mid-run, then consumption resumes on the new leader and every event is delivered, none lost, and no copy of an event acknowledged before the last moments of the dead leader", async () => {
    const run = await runThroughFailover(async (_c, sub) => {
      const info = await sub.jsm.consumers.info(DEFAULT_STREAM_NAME, DURABLE);
      return info.cluster?.leader ?? '';
    });
    expect(run).toEqual({ published: 300, stored: 300, lost: 0, copiesOutsideKillWindow: 0, duplicateAcks: 0 });
  });

  it('when a publish was stored but its ack was lost, and it is retried with the same message id after a leader change, then the stream drops the copy', async () => {
    const c = await startNatsCluster();
    cluster = c;
    const t = await transport({ NATS_URL: c.url, NATS_STREAM_REPLICAS: 3 });
    const data = eventFactories[Subjects.TicketCreated]();
    const msgId = `${Subjects.TicketCreated}:${data.id}:0`;
    // A publish whose acknowledgement never came back: stored by the stream, no reply asked for.
    const raw = await connect({ servers: [...c.urls] });
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    raw.publish(Subjects.TicketCreated, JSON.stringify(data), { headers: h });
    await raw.flush();
    await raw.close();
    await eventually(async () => (await t.jsm.streams.info(DEFAULT_STREAM_NAME)).state.messages === 1, 'the message to be stored');

    const leader = await c.waitForStreamLeader(DEFAULT_STREAM_NAME);
    await leader.kill();
    await c.waitForStreamLeader(DEFAULT_STREAM_NAME, { notOn: leader.name });

    const ack = await t.publish(Subjects.TicketCreated, data, { msgId });
    expect(ack.duplicate).toBe(true);
    expect((await t.jsm.streams.info(DEFAULT_STREAM_NAME)).state.messages).toBe(1);
  });

  it('when two of the three nodes are still starting as a service connects with three replicas, then connect waits for them and creates the replicated streams', async () => {
    const c = await startNatsCluster();
    cluster = c;
    await Promise.all([c.node('n2').pause(), c.node('n3').pause()]);
    const { logger, lines } = captureLogger();
    const connecting = JetStreamTransport.connect({ NATS_URL: c.node('n1').url, NATS_STREAM_REPLICAS: 3 }, { logger });
    connecting.then((t) => transports.push(t)).catch(() => undefined);

    // The stream cannot be placed on three peers yet: connect says so and keeps trying.
    await eventually(() => lines.some((line) => String(line.msg).startsWith('JetStream not ready')), 'a not-ready warning');
    await Promise.all([c.node('n2').restart(), c.node('n3').restart()]);
    const t = await connecting;

    const info = await t.jsm.streams.info(DEFAULT_STREAM_NAME);
    expect(info.config.num_replicas).toBe(3);
    const ack = await t.publish(Subjects.TicketCreated, eventFactories[Subjects.TicketCreated]());
    expect(ack).toMatchObject({ duplicate: false, stream: DEFAULT_STREAM_NAME, seq: 1 });
  });
});
