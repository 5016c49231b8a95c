/**
 * Outbox relay benchmark against the MongoDB test double and a private nats-server.
 *
 *   npm run build && node bench/dist/outbox-bench.js [--events 2000] [--latency-events 500] [--json]
 *
 * Figures:
 * - throughput: events committed beforehand (one per transaction, over 50 aggregates), then one relay
 *   started; events/s from its start until the last one is acknowledged by the broker and marked.
 * - latency: events committed one at a time with the relay running; per event, the time from the
 *   commit returning to the broker's acknowledgement of its publish (p50/p99).
 */
import os from 'node:os';
import mongoose from 'mongoose';
import pino from 'pino';
import { Subjects, type TicketingEvent } from '@ticketing/common/contracts';
import { createTransport, type PublishAck, type Transport } from '@ticketing/common/transport';
import { Outbox, OutboxRelay } from '@ticketing/common/outbox';
import { mongoUriWithDatabase, startMongo } from '@ticketing/testkit';
import { startNats } from '@ticketing/testkit';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg('events', 2_000);
const LATENCY_EVENTS = arg('latency-events', 500);
const AGGREGATES = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function commitEvent(outbox: Outbox<TicketingEvent>, aggregate: string, version: number): Promise<void> {
  await outbox.transaction(async (tx) => {
    await tx.add({ subject: Subjects.TicketUpdated, data: { id: aggregate, version, title: 'bench', price: 1, userId: 'bench' } });
  });
}

async function main(): Promise<void> {
  const mongo = await startMongo();
  const nats = await startNats();
  const silent = pino({ level: 'silent' });
  const transport: Transport = await createTransport({ NATS_URL: nats.url }, { logger: silent });
  await mongoose.connect(mongoUriWithDatabase(mongo.uri, 'outbox_bench'));
  const outbox = new Outbox<TicketingEvent>(mongoose.connection);
  await outbox.init();
  try {
    // Throughput: a backlog drained by one relay.
    const ids = Array.from({ length: AGGREGATES }, () => new mongoose.Types.ObjectId().toHexString());
    for (let i = 0; i < EVENTS; i += 1) await commitEvent(outbox, ids[i % AGGREGATES], Math.floor(i / AGGREGATES));
    const relay = new OutboxRelay(outbox, transport, { logger: silent, sweepIntervalMs: 50 });
    const started = process.hrtime.bigint();
    relay.start();
    while ((await outbox.model.countDocuments({ publishedAt: null })) > 0) await new Promise((r) => setTimeout(r, 20));
    const drainMs = Number(process.hrtime.bigint() - started) / 1e6;
    await relay.stop();

    // Latency: commit returned → broker acknowledged, one event at a time.
    const acked = new Map<string, bigint>();
    const timingSink = {
      publish: async (subject: string, data: unknown, opts: { msgId: string }): Promise<PublishAck> => {
        const ack = await transport.publish(subject, data, opts);
        acked.set(opts.msgId, process.hrtime.bigint());
        return ack;
      },
    };
    const live = new OutboxRelay(outbox, timingSink, { logger: silent });
    live.start();
    const latencies: number[] = [];
    const aggregate = new mongoose.Types.ObjectId().toHexString();
    for (let v = 0; v < LATENCY_EVENTS; v += 1) {
      await commitEvent(outbox, aggregate, v);
      const committed = process.hrtime.bigint();
      const msgId = `${Subjects.TicketUpdated}:${aggregate}:${v}`;
      while (!acked.has(msgId)) await new Promise((r) => setImmediate(r));
      latencies.push(Number(acked.get(msgId)! - committed) / 1e6);
    }
    await live.stop();
    latencies.sort((a, b) => a - b);

    const result = {
      benchmark: 'outbox-relay',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      throughput: {
        events: EVENTS,
        aggregates: AGGREGATES,
        drainMs: Math.round(drainMs),
        eventsPerSecond: Math.round((EVENTS / drainMs) * 1000),
      },
      commitToPublishMs: { events: LATENCY_EVENTS, p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
    };
    if (process.argv.includes('--json')) console.log(JSON.stringify(result));
    else {
      console.log(
        `relay throughput: ${result.throughput.eventsPerSecond} events/s (${EVENTS} events over ${AGGREGATES} aggregates in ${result.throughput.drainMs} ms)`,
      );
      console.log(
        `commit-to-publish latency: p50 ${result.commitToPublishMs.p50} ms, p99 ${result.commitToPublishMs.p99} ms (${LATENCY_EVENTS} events)`,
      );
    }
  } finally {
    await mongoose.disconnect();
    await transport.close();
    await nats.stop();
    await mongo.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
