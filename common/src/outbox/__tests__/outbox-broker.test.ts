import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import mongoose from 'mongoose';
import { startNats, useMongoose, type NatsServerHandle, eventually } from '@ticketing/testkit';
import type { Transport } from '../../transport/transport';
import { Outbox } from '../outbox';
import { OutboxRelay } from '../outbox-relay';
import { connectTransport, counterEvent, CounterModel, RecordingSink, storedEvents, versionsByAggregate } from './support';

const db = useMongoose();

let nats: NatsServerHandle;
let transport: Transport;
let outbox: Outbox;
let relays: OutboxRelay[] = [];

beforeAll(async () => {
  nats = await startNats();
  transport = await connectTransport(nats.url);
  outbox = new Outbox(mongoose.connection);
  await outbox.init();
  await CounterModel.createCollection().catch(() => undefined);
}, 60_000);

afterEach(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
});

afterAll(async () => {
  await transport?.close();
  await nats?.stop();
});

function startRelay(sink: RecordingSink, id?: string, claimOnWrite = true): OutboxRelay {
  const relay = new OutboxRelay(outbox, sink, { relayId: id, sweepIntervalMs: 100, retryMinMs: 50, retryMaxMs: 500, claimOnWrite });
  relays.push(relay);
  relay.start();
  return relay;
}

/** Commits `versions` changes (0..versions-1) for each of `aggregates` counters, interleaved. */
async function writeChanges(aggregates: number, versions: number): Promise<string[]> {
  const ids = Array.from({ length: aggregates }, () => new mongoose.Types.ObjectId());
  for (let v = 0; v < versions; v += 1) {
    await Promise.all(
      ids.map((id) =>
        outbox.transaction(async (tx) => {
          await CounterModel.updateOne({ _id: id }, { $set: { value: v, version: v } }, { upsert: true, session: tx.session });
          await tx.add(counterEvent({ _id: id, value: v, version: v }));
        }),
      ),
    );
  }
  return ids.map((id) => id.toHexString());
}

/** The invariant: every committed event is in the broker exactly once, in per-aggregate order. */
async function expectEachStoredOnceInOrder(ids: string[], versions: number): Promise<void> {
  const stored = (await storedEvents(nats.url)).filter((e) => ids.includes(e.data.id));
  const msgIds = stored.map((e) => e.msgId);
  const duplicated = msgIds.length - new Set(msgIds).size;
  const lost = ids.length * versions - new Set(msgIds).size;
  const outOfOrder = [...versionsByAggregate(stored)].filter(([, vs]) => vs.some((v, i) => v !== i)).length;
  expect({ lost, duplicated, outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
}

describe('outbox relay against a real nats-server', () => {
  it('when the broker is down, then handlers still commit; when it is back, every event is published exactly once in per-aggregate order', async () => {
    const sink = new RecordingSink(transport);
    const relay = startRelay(sink);
    await nats.pause();

    const ids = await writeChanges(10, 3); // every handler commits and returns while the broker is away

    expect((await relay.stats()).backlog).toBe(30);
    await nats.restart();
    await eventually(async () => (await relay.stats()).backlog === 0, 'the backlog to drain after the broker came back', 60_000);

    await expectEachStoredOnceInOrder(ids, 3);
  }, 90_000);

  it('when a relay process is killed after claiming an event, then a new relay publishes it once its claim lapses', async () => {
    const id = new mongoose.Types.ObjectId().toHexString();
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures/relay-that-dies.js'), db.uri, id], {
      cwd: path.resolve(__dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => line === 'claimed' && resolve());
      child.once('exit', (code) => reject(new Error(`relay child exited early (${code})`)));
    });
    const claimed = await outbox.model.findOne({ aggregateId: id }).lean();
    expect(claimed).toMatchObject({ publishedAt: null, claimedBy: expect.any(String) });

    child.kill('SIGKILL');
    await exited;
    const sink = new RecordingSink(transport);
    startRelay(sink);

    await eventually(
      async () => (await outbox.model.findOne({ aggregateId: id }).lean())?.publishedAt != null,
      'the orphaned event to be published',
    );
    const stored = (await storedEvents(nats.url)).filter((e) => e.data.id === id);
    expect(stored.map((e) => e.msgId)).toEqual([`ticket:created:${id}:0`]);
  }, 60_000);

  it('when two relays share one outbox of 1,000 events, then each event is published once and per-aggregate order holds', async () => {
    const a = new RecordingSink(transport);
    const b = new RecordingSink(transport);
    // As two replicas would see rows another process wrote: unclaimed, so they contend for them.
    startRelay(a, 'relay-a', false);
    startRelay(b, 'relay-b', false);

    const ids = await writeChanges(100, 10);
    await eventually(
      async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0,
      'both relays to drain 1,000 events',
      120_000,
    );

    const publishes = [...a.acked, ...b.acked].filter((c) => ids.includes((c.data as { id: string }).id));
    expect(publishes).toHaveLength(1000); // no event published by both relays
    expect(a.acked.length).toBeGreaterThan(0);
    expect(b.acked.length).toBeGreaterThan(0);
    await expectEachStoredOnceInOrder(ids, 10);
  }, 150_000);
});
