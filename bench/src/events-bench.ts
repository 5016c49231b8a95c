/**
 * Events benchmark: the base Publisher/Listener over JetStream against raw nats.js JetStream calls,
 * measured the same way on a private nats-server (file storage).
 *
 *   npm run build && node bench/dist/events-bench.js [--events 10000] [--json]
 *
 * Figures:
 * - publish, sequential: one publish at a time, each awaiting the broker's acknowledgement.
 * - publish, pipelined: 100 publishes in flight, each still awaiting its acknowledgement.
 *   Both: median of 5 rounds alternating base classes and raw calls.
 * - latency: publish start to handler entry for events published one at a time, one durable pull
 *   consumer acknowledging each (publisher and consumer on separate connections, same process).
 */
import os from 'node:os';
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import pino from 'pino';
import { Subjects, type TicketCreatedEvent } from '@ticketing/common/contracts';
import { createTransport, JetStreamTransport, type EventMessage } from '@ticketing/common/transport';
import { Listener, Publisher } from '@ticketing/common/events';
import { startNats, type NatsServerHandle } from '@ticketing/testkit';

const silent = pino({ level: 'silent' });

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg('events', 10_000);
const SEQUENTIAL_EVENTS = arg('sequential', 3_000);
const IN_FLIGHT = arg('in-flight', 100);
const ROUNDS = arg('rounds', 5);

let counter = 0;
function ticket(): TicketCreatedEvent['data'] {
  counter++;
  return { id: `bench-${process.pid}-${counter}`, version: 0, title: 'benchmark concert', price: 20, userId: 'bench-user' };
}

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

class TimingListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = 'bench-service';
  constructor(
    transport: JetStreamTransport,
    private readonly onEvent: (id: string) => void,
  ) {
    super(transport, { logger: silent });
    this.maxInFlight = 100;
  }
  onMessage(data: TicketCreatedEvent['data'], msg: EventMessage): void {
    this.onEvent(data.id);
    msg.ack();
  }
}

async function connect(server: NatsServerHandle): Promise<JetStreamTransport> {
  return (await createTransport({ NATS_URL: server.url }, { logger: silent })) as JetStreamTransport;
}

async function pipelined(total: number, inFlight: number, publishOne: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const begin = performance.now();
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await publishOne();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / ((performance.now() - begin) / 1000);
}

async function sequential(total: number, publishOne: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  for (let i = 0; i < total; i++) await publishOne();
  return total / ((performance.now() - begin) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/** Publishes `total` events one at a time and times each from publish start to handler entry. */
async function measureLatency(
  total: number,
  publishOne: (data: TicketCreatedEvent['data']) => Promise<unknown>,
  startConsumer: (onEvent: (id: string) => void) => Promise<() => Promise<void>>,
): Promise<Latency> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const stop = await startConsumer((id) => {
    const t0 = sentAt.get(id);
    if (t0 === undefined) return;
    latencies.push(performance.now() - t0);
    sentAt.delete(id);
    if (latencies.length === total) resolveAll();
  });
  for (let i = 0; i < total; i++) {
    const data = ticket();
    sentAt.set(data.id, performance.now());
    await publishOne(data);
  }
  await all;
  await stop();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] };
}

async function rawConsumer(transport: JetStreamTransport, onEvent: (id: string) => void): Promise<() => Promise<void>> {
  const durable = 'raw-bench';
  await transport.jsm.consumers.add(transport.streamName, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: Subjects.TicketCreated,
    ack_wait: 5_000_000_000,
    max_deliver: 10,
  });
  const consumer = await transport.js.consumers.get(transport.streamName, durable);
  const messages = await consumer.consume({ max_messages: 100 });
  const done = (async () => {
    for await (const m of messages as AsyncIterable<JsMsg>) {
      onEvent(m.json<TicketCreatedEvent['data']>().id);
      m.ack();
    }
  })();
  return async () => {
    await messages.close();
    await done;
  };
}

async function withServer<T>(run: (publisherSide: JetStreamTransport, consumerSide: JetStreamTransport) => Promise<T>): Promise<T> {
  const server = await startNats();
  const publisherSide = await connect(server);
  const consumerSide = await connect(server);
  try {
    return await run(publisherSide, consumerSide);
  } finally {
    await publisherSide.close();
    await consumerSide.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const encoder = new TextEncoder();
  const rawPublish = (t: JetStreamTransport) => (data: TicketCreatedEvent['data']) =>
    t.js.publish(Subjects.TicketCreated, encoder.encode(JSON.stringify(data)), {
      msgID: `${Subjects.TicketCreated}:${data.id}:${data.version}`,
    });

  // Alternating base and raw rounds on one server; the median round counts (the machine is shared).
  const throughput = await withServer(async (transport) => {
    const publisher = new TicketCreatedPublisher(transport);
    const base = () => publisher.publish(ticket());
    const raw = () => rawPublish(transport)(ticket());
    await sequential(500, base); // warm-up
    await sequential(500, raw);
    const rounds = { sequential: { base: [] as number[], raw: [] as number[] }, pipelined: { base: [] as number[], raw: [] as number[] } };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.sequential.base.push(await sequential(SEQUENTIAL_EVENTS, base));
      rounds.sequential.raw.push(await sequential(SEQUENTIAL_EVENTS, raw));
      rounds.pipelined.base.push(await pipelined(EVENTS, IN_FLIGHT, base));
      rounds.pipelined.raw.push(await pipelined(EVENTS, IN_FLIGHT, raw));
    }
    return {
      sequential: { base: median(rounds.sequential.base), raw: median(rounds.sequential.raw) },
      pipelined: { base: median(rounds.pipelined.base), raw: median(rounds.pipelined.raw) },
    };
  });

  // Latency: a fresh server per run; a warm-up run of each first so neither profits from the other's JIT.
  const latencyOf = (kind: 'base' | 'raw', total: number) =>
    withServer((publisherSide, consumerSide) => {
      if (kind === 'raw') return measureLatency(total, rawPublish(publisherSide), (onEvent) => rawConsumer(consumerSide, onEvent));
      const publisher = new TicketCreatedPublisher(publisherSide);
      return measureLatency(
        total,
        (data) => publisher.publish(data),
        async (onEvent) => {
          const listener = new TimingListener(consumerSide, onEvent);
          await listener.listen();
          return () => listener.close();
        },
      );
    });
  await latencyOf('raw', 2_000);
  await latencyOf('base', 2_000);
  const rawLatency = await latencyOf('raw', EVENTS);
  const baseLatency = await latencyOf('base', EVENTS);

  const round = (n: number, digits = 0) => Number(n.toFixed(digits));
  const results = {
    machine: { cpus: os.cpus().length, node: process.version },
    events: EVENTS,
    sequentialEvents: SEQUENTIAL_EVENTS,
    inFlight: IN_FLIGHT,
    rounds: ROUNDS,
    publishPerSecond: {
      sequential: {
        base: round(throughput.sequential.base),
        raw: round(throughput.sequential.raw),
        overhead: round(throughput.sequential.raw / throughput.sequential.base, 2),
      },
      pipelined: {
        base: round(throughput.pipelined.base),
        raw: round(throughput.pipelined.raw),
        overhead: round(throughput.pipelined.raw / throughput.pipelined.base, 2),
      },
    },
    latencyMs: {
      base: { p50: round(baseLatency.p50, 2), p99: round(baseLatency.p99, 2), max: round(baseLatency.max, 2) },
      raw: { p50: round(rawLatency.p50, 2), p99: round(rawLatency.p99, 2), max: round(rawLatency.max, 2) },
    },
  };

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const p = results.publishPerSecond;
  const l = results.latencyMs;
  console.log(`Events benchmark (${results.machine.cpus} CPUs, Node ${results.machine.node})\n`);
  console.log('| measure | base classes | raw JetStream | overhead (base cost / raw cost) |');
  console.log('|---|---|---|---|');
  console.log(
    `| publish, sequential (${SEQUENTIAL_EVENTS} events, median of ${ROUNDS}), events/s | ${p.sequential.base} | ${p.sequential.raw} | ${p.sequential.overhead} |`,
  );
  console.log(
    `| publish, ${IN_FLIGHT} in flight (${EVENTS} events, median of ${ROUNDS}), events/s | ${p.pipelined.base} | ${p.pipelined.raw} | ${p.pipelined.overhead} |`,
  );
  console.log(
    `| publish-to-handler latency p50 (${EVENTS} events), ms | ${l.base.p50} | ${l.raw.p50} | ${round(l.base.p50 / l.raw.p50, 2)} |`,
  );
  console.log(`| publish-to-handler latency p99, ms | ${l.base.p99} | ${l.raw.p99} | ${round(l.base.p99 / l.raw.p99, 2)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
