import mongoose from 'mongoose';
import { useMongoose, eventually } from '@ticketing/testkit';
import { Publisher } from '../../events/publisher';
import { Subjects } from '../../contracts/subjects';
import type { TicketCreatedEvent } from '../../contracts/types';
import { Outbox } from '../outbox';
import { OutboxRelay } from '../outbox-relay';
import { counterEvent, CounterModel, RecordingSink, versionsByAggregate } from './support';

useMongoose();

let outbox: Outbox;

beforeAll(async () => {
  outbox = new Outbox(mongoose.connection, { retentionSeconds: 1 });
  await outbox.init();
  await CounterModel.createCollection().catch(() => undefined);
});

/** Creates a counter at version 0 and its event, in one outbox transaction. */
async function createCounter(value = 0) {
  return outbox.transaction(async (tx) => {
    const [counter] = await CounterModel.create([{ value, version: 0 }], { session: tx.session });
    await tx.add(counterEvent(counter));
    return counter;
  });
}

async function bumpCounter(id: mongoose.Types.ObjectId) {
  return outbox.transaction(async (tx) => {
    const counter = await CounterModel.findById(id).session(tx.session).orFail();
    counter.value += 1;
    counter.version += 1;
    await counter.save({ session: tx.session });
    await tx.add(counterEvent(counter));
    return counter;
  });
}

describe('outbox transaction', () => {
  it('when the handler commits, then the aggregate and its event are both stored, unpublished', async () => {
    const counter = await createCounter(5);

    expect(await CounterModel.findById(counter._id)).not.toBeNull();
    const rows = await outbox.model.find({ aggregateId: counter._id.toHexString() }).lean();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      subject: 'ticket:updated',
      msgId: `ticket:updated:${counter._id.toHexString()}:0`,
      aggregateVersion: 0,
      publishedAt: null,
      attempts: 0,
    });
    expect(rows[0].data).toEqual(counterEvent(counter).data);
  });

  it('when the event insert fails on a unique violation, then the aggregate write is rolled back', async () => {
    const counter = await createCounter();
    // A row already holds the msgId the next change will produce.
    await outbox.model.create({
      ...counterEvent({ ...counter.toObject(), version: 1 }),
      msgId: `ticket:updated:${counter._id.toHexString()}:1`,
      aggregateId: 'x',
      aggregateVersion: 0,
    });

    await expect(bumpCounter(counter._id)).rejects.toMatchObject({ code: 11000 });

    const reread = await CounterModel.findById(counter._id).lean();
    expect(reread).toMatchObject({ value: 0, version: 0 });
    expect(await outbox.model.countDocuments({ aggregateId: counter._id.toHexString() })).toBe(1);
  });

  it('when the outbox insert fails (failCommand fail point), then the aggregate update is rolled back', async () => {
    const counter = await createCounter();
    const admin = mongoose.connection.db!.admin();
    await admin.command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: 2 } });
    try {
      await expect(bumpCounter(counter._id)).rejects.toMatchObject({ code: 2 });
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }

    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 0, version: 0 });
    expect(await outbox.model.countDocuments({ aggregateId: counter._id.toHexString() })).toBe(1);
  });

  it('when a statement fails with a transient error (a write conflict), then the handler runs again as attempt 2 and commits once', async () => {
    const counter = await createCounter();
    const admin = mongoose.connection.db!.admin();
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['find'], errorCode: 112, errorLabels: ['TransientTransactionError'] },
    });
    const attempts: number[] = [];
    try {
      await outbox.transaction(async (tx) => {
        attempts.push(tx.attempt);
        const current = await CounterModel.findById(counter._id).session(tx.session).orFail();
        current.value += 1;
        current.version += 1;
        await current.save({ session: tx.session });
        await tx.add(counterEvent(current));
      });
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }

    expect(attempts).toEqual([1, 2]);
    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 1, version: 1 });
    expect(await outbox.model.countDocuments({ aggregateId: counter._id.toHexString() })).toBe(2);
  });

  it('when the aggregate write fails, then no event exists', async () => {
    const id = new mongoose.Types.ObjectId();
    await CounterModel.create({ _id: id, value: 1, version: 0 });

    await expect(
      outbox.transaction(async (tx) => {
        await tx.add(counterEvent({ _id: id, value: 2, version: 1 }));
        await CounterModel.create([{ _id: id, value: 2, version: 1 }], { session: tx.session }); // duplicate _id
      }),
    ).rejects.toMatchObject({ code: 11000 });

    expect(await outbox.model.countDocuments({})).toBe(0);
  });

  it('when a course-style publisher is given the transaction, then its event is stored in the outbox with the write', async () => {
    class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
      readonly subject = Subjects.TicketCreated;
    }
    const data = {
      id: new mongoose.Types.ObjectId().toHexString(),
      version: 0,
      title: 'concert',
      price: 20,
      userId: '64b7f0c2a1b2c3d4e5f60719',
    };

    await outbox.transaction(async (tx) => {
      await new TicketCreatedPublisher(tx).publish(data);
    });

    const row = await outbox.model.findOne({ aggregateId: data.id }).lean();
    expect(row).toMatchObject({ subject: 'ticket:created', msgId: `ticket:created:${data.id}:0`, data, publishedAt: null });
  });

  it('when an event lacks an id or a version, then the transaction is refused and nothing is written', async () => {
    await expect(
      outbox.transaction(async (tx) => {
        await CounterModel.create([{ value: 1, version: 0 }], { session: tx.session });
        await tx.publish('ticket:created', { title: 'no id' });
      }),
    ).rejects.toThrow(/id and a numeric version/);
    expect(await CounterModel.countDocuments({})).toBe(0);
    expect(await outbox.model.countDocuments({})).toBe(0);
  });
});

describe('outbox relay', () => {
  let relays: OutboxRelay[] = [];
  const relay = (sink: RecordingSink, opts: ConstructorParameters<typeof OutboxRelay>[2] = {}) => {
    const r = new OutboxRelay(outbox, sink, { sweepIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100, ...opts });
    relays.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    relays = [];
  });

  it('when events are committed, then the relay publishes each once in per-aggregate order and marks it published', async () => {
    const a = await createCounter();
    const b = await createCounter();
    for (let i = 0; i < 3; i += 1) {
      await bumpCounter(a._id);
      await bumpCounter(b._id);
    }
    const sink = new RecordingSink();
    relay(sink).start();

    await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'the backlog to drain');

    expect(sink.acked).toHaveLength(8);
    expect(new Set(sink.acked.map((c) => c.msgId)).size).toBe(8);
    const order = versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>);
    expect(order.get(a._id.toHexString())).toEqual([0, 1, 2, 3]);
    expect(order.get(b._id.toHexString())).toEqual([0, 1, 2, 3]);
    const rows = await outbox.model.find({}).lean();
    expect(rows.every((r) => r.publishedAt instanceof Date && r.claimedBy === null)).toBe(true);
  });

  it('when one aggregate’s event keeps failing, then the others are published and its later events wait behind it', async () => {
    const stuck = await createCounter();
    await bumpCounter(stuck._id);
    const fine = await createCounter();
    await bumpCounter(fine._id);
    const sink = new RecordingSink();
    const stuckHead = `ticket:updated:${stuck._id.toHexString()}:0`;
    sink.failWhen = (msgId) => msgId === stuckHead;
    relay(sink).start();

    await eventually(() => sink.ackedFor(`ticket:updated:${fine._id.toHexString()}:1`) === 1, 'the healthy aggregate to be published');
    await eventually(
      async () => ((await outbox.model.findOne({ msgId: stuckHead }).lean())?.attempts ?? 0) >= 2,
      'retries of the failing head',
    );

    const stuckRows = await outbox.model.find({ aggregateId: stuck._id.toHexString() }).sort({ aggregateVersion: 1 }).lean();
    expect(stuckRows.map((r) => r.publishedAt)).toEqual([null, null]);
    expect(stuckRows[0].lastError).toMatch(/broker refused/);
    expect(sink.acked.filter((c) => c.msgId.includes(stuck._id.toHexString()))).toHaveLength(0);

    // The broker accepts it again: both leave, in order.
    sink.failWhen = () => false;
    await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'the stuck aggregate to drain');
    expect(versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>).get(stuck._id.toHexString())).toEqual([
      0, 1,
    ]);
  });

  it('when a row is claimed by a live relay, then another relay neither publishes it nor overtakes it with a later version', async () => {
    const c = await createCounter();
    await bumpCounter(c._id);
    await outbox.model.updateOne({ aggregateVersion: 0 }, { $set: { claimedBy: 'other', claimedUntil: new Date(Date.now() + 60_000) } });
    const sink = new RecordingSink();
    const r = relay(sink);

    await r.drain();

    expect(sink.attempts).toBe(0);
    expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(2);
  });

  it('when a row in the middle of an aggregate is held by another live relay, then only the versions before it are published and the later ones are left unclaimed', async () => {
    const c = await createCounter();
    for (let i = 0; i < 3; i += 1) await bumpCounter(c._id);
    await outbox.model.updateOne({ aggregateVersion: 2 }, { $set: { claimedBy: 'other', claimedUntil: new Date(Date.now() + 60_000) } });
    const sink = new RecordingSink();

    await relay(sink).drain();

    expect(versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>).get(c._id.toHexString())).toEqual([0, 1]);
    const rows = await outbox.model.find({}).sort({ aggregateVersion: 1 }).lean();
    expect(rows.map((r) => [r.aggregateVersion, r.publishedAt !== null, r.claimedBy])).toEqual([
      [0, true, null],
      [1, true, null],
      [2, false, 'other'],
      [3, false, null],
    ]);
  });

  it('when many events of many aggregates wait, then a pass publishes them all with a few database calls, not a read, a claim and a mark per event', async () => {
    const counters = [];
    for (let i = 0; i < 10; i += 1) counters.push(await createCounter());
    for (const c of counters) await bumpCounter(c._id);
    // mongoose's debug hook sees every call the relay makes on a collection.
    const calls: string[] = [];
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'outbox') calls.push(method);
    });
    const sink = new RecordingSink();
    try {
      await relay(sink).drain();
    } finally {
      mongoose.set('debug', false);
    }

    expect(sink.acked).toHaveLength(20);
    for (const c of counters)
      expect(versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>).get(c._id.toHexString())).toEqual([0, 1]);
    expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
    // One pass: read the runs, claim, mark; then one read that finds nothing.
    expect(calls.length).toBeLessThanOrEqual(4);
  });

  it('when the first rows in the relay’s window all belong to an aggregate waiting for a retry, then the other aggregates are still published', async () => {
    const stuck = await createCounter();
    await bumpCounter(stuck._id);
    await bumpCounter(stuck._id);
    await outbox.model.updateOne(
      { aggregateId: stuck._id.toHexString(), aggregateVersion: 0 },
      { $set: { nextAttemptAt: new Date(Date.now() + 60_000) } },
    );
    const fine = await createCounter();
    const sink = new RecordingSink();

    await relay(sink, { batchSize: 2 }).drain();

    expect(sink.acked.map((c) => c.msgId)).toEqual([`ticket:updated:${fine._id.toHexString()}:0`]);
    expect(await outbox.model.countDocuments({ aggregateId: stuck._id.toHexString(), publishedAt: null })).toBe(3);
  });

  it('when a claim has lapsed (its relay died), then another relay publishes the row', async () => {
    const c = await createCounter();
    await outbox.model.updateOne({ aggregateVersion: 0 }, { $set: { claimedBy: 'dead', claimedUntil: new Date(Date.now() - 1) } });
    const sink = new RecordingSink();

    await relay(sink).drain();

    expect(sink.ackedFor(`ticket:updated:${c._id.toHexString()}:0`)).toBe(1);
    expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
  });

  it('when stopped during a publish, then it finishes that publish, marks it, and claims nothing more', async () => {
    await createCounter();
    await createCounter();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    const sink = new RecordingSink({
      publish: async () => {
        entered();
        await gate;
        return { duplicate: false };
      },
    });
    const r = relay(sink, { batchSize: 1 });
    r.start();
    await inFlight;

    const stopped = r.stop();
    release();
    await stopped;

    expect(sink.acked).toHaveLength(1);
    expect(await outbox.model.countDocuments({ publishedAt: { $ne: null } })).toBe(1);
    expect(await outbox.model.countDocuments({ publishedAt: null, claimedBy: null })).toBe(1);
  });

  describe('when the relay runs in the process that commits', () => {
    /** The relay's own calls on the outbox collection (the tests' polls use other methods). */
    const recordRelayCalls = (): string[] => {
      const calls: string[] = [];
      mongoose.set('debug', (collection: string, method: string) => {
        if (collection === 'outbox' && ['find', 'bulkWrite', 'updateOne', 'updateMany'].includes(method)) calls.push(method);
      });
      return calls;
    };
    afterEach(() => {
      mongoose.set('debug', false);
    });
    const publishedAt = async (msgId: string) => (await outbox.model.findOne({ msgId }).lean())?.publishedAt ?? null;
    /** A relay started without a sweep (only commits wake it), once its first pass (a read, as at every start) is done. */
    const startedRelay = async (opts: ConstructorParameters<typeof OutboxRelay>[2] = {}) => {
      const calls = recordRelayCalls();
      const sink = new RecordingSink();
      const r = relay(sink, { sweepIntervalMs: 60_000, ...opts });
      r.start();
      await eventually(() => calls.includes('find'), 'the first pass');
      return { calls, sink, r };
    };

    it('then an aggregate’s first event, and each next version after one it published, leave without a read of the outbox and without a claim (the commit wrote them claimed by the relay): a mark each', async () => {
      const calls = recordRelayCalls();
      const sink = new RecordingSink();
      // No sweep during the test: only commits wake the relay (its first pass reads, as at every start).
      relay(sink, { sweepIntervalMs: 60_000 }).start();
      await eventually(() => calls.includes('find'), 'the first pass');

      const c = await createCounter();
      const id = c._id.toHexString();
      await eventually(async () => (await publishedAt(`ticket:updated:${id}:0`)) !== null, 'version 0 to be marked published');
      await bumpCounter(c._id);
      await eventually(async () => (await publishedAt(`ticket:updated:${id}:1`)) !== null, 'version 1 to be marked published');
      await bumpCounter(c._id);
      await eventually(async () => (await publishedAt(`ticket:updated:${id}:2`)) !== null, 'version 2 to be marked published');

      expect(sink.acked.map((e) => e.msgId)).toEqual([0, 1, 2].map((v) => `ticket:updated:${id}:${v}`));
      expect(calls).toEqual(['find', ...Array(3).fill('bulkWrite')]);
    });

    it('then a commit writes its rows claimed by the running relay, and rows written while no relay runs unclaimed', async () => {
      const unclaimed = await createCounter();
      const calls = recordRelayCalls();
      const sink = new RecordingSink();
      // Marks wait: what the row holds after its publish is what the commit wrote (the relay writes nothing).
      relay(sink, { sweepIntervalMs: 60_000, markDelayMs: 60_000 }).start();
      await eventually(() => sink.acked.length === 1, 'the row written before the start');
      const claimed = await createCounter();
      await eventually(() => sink.acked.length === 2, 'the row written claimed');

      const row = async (c: { _id: unknown }) => outbox.model.findOne({ aggregateId: String(c._id) }).lean();
      expect(calls.filter((call) => call === 'bulkWrite')).toHaveLength(1); // the first row's claim
      expect(await row(claimed)).toMatchObject({ publishedAt: null, attempts: 0, claimedBy: expect.stringMatching(/:write:/) });
      expect((await row(claimed))?.claimedUntil?.getTime()).toBeGreaterThan(Date.now());
      expect((await row(unclaimed))?.claimedBy).not.toMatch(/:write:/);
    });

    it('when the relay stops before it published a row written claimed by it, then it releases the claim, so another relay publishes the row at once', async () => {
      const calls = recordRelayCalls();
      const r = relay(new RecordingSink(), { sweepIntervalMs: 60_000 });
      r.start();
      await eventually(() => calls.includes('find'), 'the first pass');

      const c = await createCounter();
      // The commit's kick only scheduled a pass: stopping now leaves the hand-off unpublished.
      await r.stop();

      const msgId = `ticket:updated:${c._id.toHexString()}:0`;
      expect(await outbox.model.findOne({ msgId }).lean()).toMatchObject({ publishedAt: null, claimedBy: null, claimedUntil: null });
      const next = new RecordingSink();
      await relay(next).drain();
      expect(next.acked.map((e) => e.msgId)).toEqual([msgId]);
    });

    it('when commits follow each other, then no claim is written and their marks wait: one write marks them all', async () => {
      const { calls, sink, r } = await startedRelay({ markDelayMs: 60_000 });

      const c = await createCounter();
      const id = c._id.toHexString();
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:0`) === 1, 'version 0');
      await bumpCounter(c._id);
      await bumpCounter(c._id);
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:2`) === 1, 'version 2');

      expect(calls).toEqual(['find']);
      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(3);
      await r.stop();
      expect(calls).toEqual(['find', 'bulkWrite']);
      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
      expect(await outbox.model.countDocuments({ claimedBy: { $ne: null } })).toBe(0);
    });

    it('when as many rows wait to be marked as a batch holds, then they are marked at once, without waiting for the mark delay', async () => {
      const calls = recordRelayCalls();
      const sink = new RecordingSink();
      relay(sink, { sweepIntervalMs: 60_000, markDelayMs: 60_000, batchSize: 2 }).start();
      await eventually(() => calls.includes('find'), 'the first pass');

      const c = await createCounter();
      await bumpCounter(c._id);

      await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'both rows to be marked');
      expect(sink.acked).toHaveLength(2);
      expect(calls.filter((call) => call === 'bulkWrite').length).toBeGreaterThanOrEqual(1);
    });

    it('when an earlier version it did not publish is still waiting, then it reads the outbox and does not overtake it', async () => {
      const c = await createCounter(); // before the relay started: not handed to it
      await outbox.model.updateOne({ aggregateVersion: 0 }, { $set: { claimedBy: 'other', claimedUntil: new Date(Date.now() + 60_000) } });
      const calls = recordRelayCalls();
      const sink = new RecordingSink();
      const r = relay(sink, { sweepIntervalMs: 60_000 });
      r.start();
      await eventually(() => calls.includes('find'), 'the first pass');

      await bumpCounter(c._id);
      await eventually(() => calls.filter((call) => call === 'find').length === 2, 'the committed event to make the relay read');

      expect(sink.attempts).toBe(0);
      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(2);
      // The other relay lets go of version 0: both leave, in order.
      await outbox.model.updateOne({ aggregateVersion: 0 }, { $set: { claimedBy: null, claimedUntil: null } });
      await r.drain();
      expect(versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>).get(c._id.toHexString())).toEqual([0, 1]);
    });

    it('when the relay does not claim on write and commits follow each other, then each pass’s marks go out with the next pass’s claim: one write per pass', async () => {
      const { calls, sink, r } = await startedRelay({ markDelayMs: 60_000, claimOnWrite: false });

      const c = await createCounter();
      const id = c._id.toHexString();
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:0`) === 1, 'version 0');
      await bumpCounter(c._id);
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:1`) === 1, 'version 1');
      await bumpCounter(c._id);
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:2`) === 1, 'version 2');
      await eventually(async () => (await publishedAt(`ticket:updated:${id}:1`)) !== null, 'version 1 to be marked');

      expect(calls).toEqual(['find', 'bulkWrite', 'bulkWrite', 'bulkWrite']);
      expect(await publishedAt(`ticket:updated:${id}:0`)).not.toBeNull();
      // The last pass's mark waits for a next pass, or for the relay to stop.
      expect(await publishedAt(`ticket:updated:${id}:2`)).toBeNull();
      await r.stop();
      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
      expect(await outbox.model.countDocuments({ claimedBy: { $ne: null } })).toBe(0);
      expect(calls).toHaveLength(5);
    });

    it('when it reads the outbox, then a row it published but has not marked yet does not hold back the next version', async () => {
      const sink = new RecordingSink();
      const r = relay(sink, { sweepIntervalMs: 60_000, markDelayMs: 60_000 });
      r.start();
      const c = await createCounter();
      const id = c._id.toHexString();
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:0`) === 1, 'version 0');
      // Committed through another Outbox (as by another process): not handed to this relay.
      const elsewhere = new Outbox(mongoose.connection);
      await elsewhere.transaction(async (tx) => {
        const counter = await CounterModel.findById(c._id).session(tx.session).orFail();
        counter.version += 1;
        await counter.save({ session: tx.session });
        await tx.add(counterEvent(counter));
      });
      expect(await publishedAt(`ticket:updated:${id}:0`)).toBeNull();

      r.kick();

      await eventually(() => sink.ackedFor(`ticket:updated:${id}:1`) === 1, 'version 1');
      expect(sink.acked.map((e) => e.msgId)).toEqual([0, 1].map((v) => `ticket:updated:${id}:${v}`));
      await r.stop();
      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
    });

    it('when a backlog of several batches waits, then the passes follow each other until it is drained, without waiting for the sweep', async () => {
      for (let i = 0; i < 20; i += 1) await createCounter();
      const sink = new RecordingSink();

      relay(sink, { batchSize: 5, sweepIntervalMs: 60_000, markDelayMs: 60_000 }).start();

      await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'the backlog to drain', 5_000);
      expect(sink.acked).toHaveLength(20);
      expect(new Set(sink.acked.map((e) => e.msgId)).size).toBe(20);
    });

    it('when two relays of the process are handed the same rows, then each event is published once, in per-aggregate order', async () => {
      const a = new RecordingSink();
      const b = new RecordingSink();
      relay(a).start();
      relay(b).start();

      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const c = await createCounter();
          await bumpCounter(c._id);
          await bumpCounter(c._id);
        }),
      );
      await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'both relays to drain');

      const acked = [...a.acked, ...b.acked];
      expect(acked).toHaveLength(30);
      expect(new Set(acked.map((e) => e.msgId)).size).toBe(30);
      for (const sink of [a, b]) {
        const order = versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>);
        for (const versions of order.values()) expect(versions).toEqual([...versions].sort((x, y) => x - y));
      }
    });

    it('when the broker refuses a handed-off event, then it waits for its retry and the versions after it wait behind it', async () => {
      const sink = new RecordingSink();
      sink.failWhen = (msgId) => msgId.endsWith(':1');
      relay(sink).start();
      const c = await createCounter();
      const id = c._id.toHexString();
      await eventually(() => sink.ackedFor(`ticket:updated:${id}:0`) === 1, 'version 0');

      await bumpCounter(c._id);
      await bumpCounter(c._id);
      await eventually(
        async () => ((await outbox.model.findOne({ msgId: `ticket:updated:${id}:1` }).lean())?.attempts ?? 0) >= 2,
        'retries of version 1',
      );

      expect(sink.ackedFor(`ticket:updated:${id}:2`)).toBe(0);
      sink.failWhen = () => false;
      await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'the backlog to drain');
      expect(sink.acked.map((e) => e.msgId)).toEqual([0, 1, 2].map((v) => `ticket:updated:${id}:${v}`));
    });
  });

  describe('when the broker answers duplicate', () => {
    /** A sink whose broker already holds every message id (as after a forged publish took them). */
    const duplicateSink = (): RecordingSink => {
      const sink = new RecordingSink({ publish: async () => ({ duplicate: true, stream: 'TICKETING', seq: 1 }) });
      return sink;
    };
    const recordingLogger = () => {
      const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
      const at =
        (level: string) =>
        (fields: Record<string, unknown>, message: string): void => {
          lines.push({ level, fields, message });
        };
      return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as never };
    };

    it('for a row never published before, then it is logged as an error with the msgId, counted, and the row is still marked published', async () => {
      const c = await createCounter();
      const msgId = `ticket:updated:${c._id.toHexString()}:0`;
      const { lines, logger } = recordingLogger();
      const r = relay(duplicateSink(), { logger });

      await r.drain();

      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
      expect((await r.stats()).duplicatesOfUnpublished).toBe(1);
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].fields).toMatchObject({ msgId, subject: 'ticket:updated', duplicatesOfUnpublished: 1 });
      expect(errors[0].message).toMatch(/had never published: a forged message may have taken its id/);
    });

    it('for a row handed over at its commit, then it is logged as an error and counted as well', async () => {
      const { lines, logger } = recordingLogger();
      const r = relay(duplicateSink(), { logger, sweepIntervalMs: 60_000 });
      r.start();

      const c = await createCounter();

      await eventually(async () => (await outbox.model.countDocuments({ publishedAt: null })) === 0, 'the row to be marked');
      expect((await r.stats()).duplicatesOfUnpublished).toBe(1);
      expect(lines.filter((l) => l.level === 'error').map((l) => l.fields.msgId)).toEqual([`ticket:updated:${c._id.toHexString()}:0`]);
    });

    it('for a row whose earlier attempt failed or whose claim lapsed, then it is an expected duplicate: not an error, not counted', async () => {
      await createCounter();
      await createCounter();
      const [first, second] = await outbox.model.find({}).sort({ createdAt: 1 }).lean();
      // An attempt the broker may have stored after all, and a relay that died after the broker's ack.
      await outbox.model.updateOne({ _id: first._id }, { $set: { attempts: 1 } });
      await outbox.model.updateOne({ _id: second._id }, { $set: { claimedBy: 'dead', claimedUntil: new Date(Date.now() - 1) } });
      const { lines, logger } = recordingLogger();
      const r = relay(duplicateSink(), { logger });

      await r.drain();

      expect(await outbox.model.countDocuments({ publishedAt: null })).toBe(0);
      expect((await r.stats()).duplicatesOfUnpublished).toBe(0);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    });
  });

  it('when events wait, then stats report the backlog and the age of the oldest', async () => {
    const r = relay(new RecordingSink());
    expect(await r.stats()).toEqual({ backlog: 0, oldestUnpublishedAgeMs: null, duplicatesOfUnpublished: 0 });
    await createCounter();
    await createCounter();

    const stats = await r.stats();

    expect(stats.backlog).toBe(2);
    expect(stats.oldestUnpublishedAgeMs).toBeGreaterThanOrEqual(0);
  });

  it('when the retention period passes, then published rows are removed and unpublished rows stay', async () => {
    const old = new Date(Date.now() - 60_000);
    const published = await createCounter();
    const unpublished = await createCounter();
    await outbox.model.updateOne({ aggregateId: published._id.toHexString() }, { $set: { publishedAt: old, createdAt: old } });
    await outbox.model.updateOne({ aggregateId: unpublished._id.toHexString() }, { $set: { createdAt: old } });

    // The outbox under test keeps published rows 1 s; the server's TTL monitor removes them.
    await eventually(
      async () => (await outbox.model.countDocuments({ aggregateId: published._id.toHexString() })) === 0,
      'the TTL monitor',
      90_000,
    );

    expect(await outbox.model.countDocuments({ aggregateId: unpublished._id.toHexString(), publishedAt: null })).toBe(1);
  }, 100_000);
});
