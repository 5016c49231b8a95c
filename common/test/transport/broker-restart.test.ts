import { rmSync } from 'node:fs';
import { Subjects, type TicketCreatedEvent } from '@ticketing/common/contracts';
import { JetStreamTransport, NatsWrapper } from '@ticketing/common/transport';
import { Publisher } from '@ticketing/common/events';
import { startNats, type NatsServerHandle, eventually } from '@ticketing/testkit';
import { eventFactories, quietLogger, RecordingListener } from './helpers';

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

let server: NatsServerHandle | undefined;
const wrappers: NatsWrapper[] = [];

async function connectedWrapper(url: string): Promise<NatsWrapper> {
  const wrapper = new NatsWrapper();
  wrappers.push(wrapper);
  await wrapper.connect({ NATS_URL: url }, { logger: quietLogger, reconnectTimeWaitMs: 100, publishTimeoutMs: 20_000 });
  return wrapper;
}

afterEach(async () => {
  await Promise.all(wrappers.splice(0).map((w) => w.close()));
  await server?.stop();
  server = undefined;
});

interface OutageRun {
  events: TicketCreatedEvent['data'][];
  /** event id -> stream sequences of its deliveries */
  deliveries: Map<string, number[]>;
  statuses: string[];
  storedMessages: number;
  connectedAfter: boolean;
}

/** Publishes 60 events one by one through an outage of the broker in the middle, with one listener. */
async function runThroughOutage(outage: (broker: NatsServerHandle) => Promise<void>): Promise<OutageRun> {
  const broker = await startNats();
  server = broker;
  const consumerSide = await connectedWrapper(broker.url);
  const publisherSide = await connectedWrapper(broker.url);
  const statuses: string[] = [];
  consumerSide.onStatus((status) => statuses.push(status));
  let reconnects = 0;
  consumerSide.onReconnect(() => reconnects++);

  const deliveries = new Map<string, number[]>();
  const listener = new RecordingListener<TicketCreatedEvent>(consumerSide.client, Subjects.TicketCreated, 'tickets-service', {
    ackWait: 10_000,
    onMessage: (data, msg) => {
      deliveries.set(data.id, [...(deliveries.get(data.id) ?? []), msg.sequence ?? -1]);
      msg.ack();
    },
  });
  await listener.listen();

  const publisher = new TicketCreatedPublisher(publisherSide.client);
  const events = Array.from({ length: 60 }, () => eventFactories[Subjects.TicketCreated]());
  let published = 0;
  const publishing = (async () => {
    for (const event of events) {
      await publisher.publish(event); // waits through the outage, retrying with the same message id
      published++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();

  await eventually(() => published >= 20, 'a third of the events are published');
  await outage(broker);
  await eventually(() => !consumerSide.isConnected(), 'the wrapper sees the broker gone');
  await new Promise((resolve) => setTimeout(resolve, 700)); // the outage itself
  await broker.restart();

  await publishing;
  await eventually(() => events.every((e) => deliveries.has(e.id)), 'every event is handled', 20_000);
  await eventually(() => reconnects > 0, 'the wrapper reports the reconnect');
  await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong redelivery to show up
  await listener.close();

  const transport = publisherSide.client as JetStreamTransport;
  const storedMessages = (await transport.jsm.streams.info(transport.streamName)).state.messages;
  return { events, deliveries, statuses, storedMessages, connectedAfter: consumerSide.isConnected() };
}

describe('a broker outage in the middle of a stream of events', () => {
  it('when the broker stops gracefully and comes back, then every event published before, during and after is handled exactly once', async () => {
    const run = await runThroughOutage((broker) => broker.pause());

    expect(run.storedMessages).toBe(run.events.length);
    expect(run.events.filter((e) => run.deliveries.get(e.id)?.length !== 1).map((e) => [e.id, run.deliveries.get(e.id)])).toEqual([]);
    expect(run.statuses).toEqual(expect.arrayContaining(['disconnected', 'reconnected']));
    expect(run.connectedAfter).toBe(true);
  }, 30_000);

  it('when the broker is killed and comes back, then no event is lost or stored twice (only a redelivery of acks the crash lost)', async () => {
    const run = await runThroughOutage((broker) => broker.kill());

    // Each event is stored once (the publisher's retries were de-duplicated by message id) and handled.
    expect(run.storedMessages).toBe(run.events.length);
    expect(run.events.filter((e) => !run.deliveries.has(e.id))).toEqual([]);
    // A SIGKILL can lose the consumer's last acknowledgements, so a few events may be delivered again:
    // always the same stored message, which the consumers' inbox recognises.
    expect(run.events.filter((e) => new Set(run.deliveries.get(e.id)).size !== 1)).toEqual([]);
    expect(run.connectedAfter).toBe(true);
  }, 30_000);

  it('when the broker comes back without its store, then the streams and the durable are re-created and new events are handled', async () => {
    const broker = await startNats();
    server = broker;
    const wrapper = await connectedWrapper(broker.url);
    const handled: string[] = [];
    const listener = new RecordingListener<TicketCreatedEvent>(wrapper.client, Subjects.TicketCreated, 'orders-service', {
      onMessage: (data, msg) => {
        handled.push(data.id);
        msg.ack();
      },
    });
    await listener.listen();
    const publisher = new TicketCreatedPublisher(wrapper.client);
    const before = eventFactories[Subjects.TicketCreated]();
    await publisher.publish(before);
    await eventually(() => handled.includes(before.id), 'the first event is handled');

    await broker.pause();
    rmSync(broker.storeDir, { recursive: true, force: true });
    await broker.restart();

    const after = eventFactories[Subjects.TicketCreated]();
    await publisher.publish(after);
    await eventually(() => handled.includes(after.id), 'an event published after the store was lost is handled', 20_000);
    const transport = wrapper.client as JetStreamTransport;
    const consumers = await transport.jsm.consumers.info(transport.streamName, 'orders-service_ticket-created');
    expect(consumers.config.filter_subject).toBe(Subjects.TicketCreated);
    expect(handled.filter((id) => id === after.id)).toHaveLength(1);
    await listener.close();
  }, 30_000);
});
