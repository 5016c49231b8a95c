import mongoose, { type mongo } from 'mongoose';
import { eventually, useMongoose, type PlanStage } from '@ticketing/testkit';
import { Subjects } from '../../contracts/subjects';
import { EmbeddedOutbox, type EmbeddedEvent } from '../embedded-outbox';
import { OutboxRelay, type OutboxRelayOptions } from '../outbox-relay';
import { RecordingSink, versionsByAggregate } from './support';

useMongoose();

/** The aggregate of these tests: a titled, versioned thing whose unpublished events live on it. */
interface Thing {
  _id: mongoose.Types.ObjectId;
  title: string;
  version: number;
  owner: string;
  outbox?: EmbeddedEvent[];
  outboxPending?: boolean;
}

const { ObjectId } = mongoose.Types;
type Id = mongoose.Types.ObjectId;
const SUBJECT = Subjects.TicketUpdated;

let store: EmbeddedOutbox;
/**
 * The tests' own reads and writes go through the driver's collection, which mongoose's debug hook
 * does not see: what the hook records is the store's (the relay's) calls only.
 */
let things: mongo.Collection<Thing>;

beforeAll(async () => {
  store = new EmbeddedOutbox(mongoose.connection.collection('things'));
  await store.init();
  await store.init(); // idempotent, as at every boot
  things = mongoose.connection.db!.collection<Thing>('things');
});

const msgIdOf = (id: Id, version: number): string => `${SUBJECT}:${id.toHexString()}:${version}`;

function thingEvent(id: Id, version: number, title: string): EmbeddedEvent {
  return store.event(SUBJECT, { id: id.toHexString(), version, title });
}

/** A new thing at version 0, its first event in the same insert, handed to the relays of the process. */
async function create(title: string, owner = 'owner-1'): Promise<Id> {
  const _id = new ObjectId();
  const events = [thingEvent(_id, 0, title)];
  await things.insertOne({ _id, title, version: 0, owner, ...store.insertFields(events) });
  store.committed(_id, events);
  return _id;
}

/** Renames with an operator update that carries its event; optimistic on the version read, retried on a lost race. */
async function rename(_id: Id, title: string): Promise<number> {
  for (;;) {
    const { version } = (await things.findOne({ _id }, { projection: { version: 1 } }))!;
    const events = [thingEvent(_id, version + 1, title)];
    const update = store.withEvents({ $set: { title, version: version + 1 } }, events) as mongo.UpdateFilter<Thing>;
    const { modifiedCount } = await things.updateOne({ _id, version }, update);
    if (modifiedCount === 1) {
      store.committed(_id, events);
      return version + 1;
    }
  }
}

/** Retitles in one pipeline update that increments the version and computes the event from the document. */
async function retitleInPipeline(_id: Id, title: string): Promise<number> {
  const doc = await things.findOneAndUpdate(
    { _id },
    [
      { $set: { title: { $literal: title }, version: { $add: ['$version', 1] } } },
      store.appendInPipeline({
        subject: SUBJECT,
        msgId: { $concat: [`${SUBJECT}:${_id.toHexString()}:`, { $toString: '$version' }] },
        aggregateVersion: '$version',
        data: { id: _id.toHexString(), version: '$version', title: '$title' },
      }),
    ],
    { returnDocument: 'after' },
  );
  store.committed(_id, EmbeddedOutbox.eventsFrom(doc!, doc!.version));
  return doc!.version;
}

const read = async (_id: Id): Promise<Thing> => (await things.findOne({ _id }))!;
const outboxOf = async (_id: Id): Promise<EmbeddedEvent[]> => (await read(_id)).outbox ?? [];
/** No document holds an outbox or its flag any more. */
const drained = async (): Promise<boolean> =>
  (await things.countDocuments({ $or: [{ outbox: { $exists: true } }, { outboxPending: { $exists: true } }] })) === 0;
const published = (sink: RecordingSink): Map<string, number[]> =>
  versionsByAggregate(sink.acked as Array<{ data: { id: string; version: number } }>);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const inAMinute = (): Date => new Date(Date.now() + 60_000);

let relays: OutboxRelay[] = [];
const relay = (sink: RecordingSink, opts: OutboxRelayOptions = {}): OutboxRelay => {
  const r = new OutboxRelay(store, sink, { sweepIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100, ...opts });
  relays.push(r);
  return r;
};
afterEach(async () => {
  mongoose.set('debug', false);
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
});

/** Records the method of every call the store makes on the collection (mongoose's debug hook). */
const recordStoreCalls = (): string[] => {
  const calls: string[] = [];
  mongoose.set('debug', (collection: string, method: string) => {
    if (collection === 'things') calls.push(method);
  });
  return calls;
};

describe('embedded outbox writes', () => {
  it('when a thing is written with insertFields, withEvents and appendInPipeline, then its document holds each event, unpublished, in version order, with outboxPending', async () => {
    const id = await create('t0', 'alice');
    await rename(id, 't1');
    await retitleInPipeline(id, 't2');

    const doc = await read(id);
    expect(doc).toMatchObject({ title: 't2', version: 2, owner: 'alice', outboxPending: true });
    expect(doc.outbox!.map((e) => [e.aggregateVersion, e.msgId])).toEqual(range(3).map((v) => [v, msgIdOf(id, v)]));
    for (const [version, event] of doc.outbox!.entries()) {
      expect(event).toMatchObject({
        subject: SUBJECT,
        data: { id: id.toHexString(), version, title: `t${version}` },
        attempts: 0,
        lastError: null,
        claimedBy: null,
        claimedUntil: null,
      });
      expect(event.createdAt).toBeInstanceOf(Date);
      expect(event.nextAttemptAt).toBeInstanceOf(Date);
    }
  });
  it('when withEvents is given an update with its own $push, then both the update’s push and the events are applied', async () => {
    const _id = await create('t0');
    const events = [thingEvent(_id, 1, 't1')];

    await things.updateOne({ _id }, store.withEvents({ $set: { version: 1 }, $push: { tags: 'x' } }, events) as mongo.UpdateFilter<Thing>);

    const doc = (await things.findOne({ _id })) as Thing & { tags?: string[] };
    expect(doc.tags).toEqual(['x']);
    expect(doc.outbox!.map((e) => e.aggregateVersion)).toEqual([0, 1]);
  });

  it('when a write carries no events, then the document is not flagged pending, and it does not take the relay’s window from documents that are', async () => {
    const empty = new ObjectId();
    await things.insertOne({ _id: empty, title: 'e0', version: 0, owner: 'o', ...store.insertFields([]) });
    await things.updateOne({ _id: empty }, store.withEvents({ $set: { title: 'e1' } }, []) as mongo.UpdateFilter<Thing>);
    const later = await create('t0');
    const sink = new RecordingSink();

    await relay(sink, { batchSize: 1 }).drain();

    expect(await read(empty)).not.toHaveProperty('outboxPending');
    expect(sink.acked.map((c) => c.msgId)).toEqual([msgIdOf(later, 0)]);
  });
});

describe('embedded outbox relay', () => {
  it('when events were written with insertFields, withEvents and appendInPipeline, then each is published once, in version order per aggregate, and the documents keep their fields but lose outbox and outboxPending', async () => {
    const a = await create('a0', 'alice');
    const b = await create('b0', 'bob');
    await rename(a, 'a1');
    await retitleInPipeline(b, 'b1');
    await retitleInPipeline(a, 'a2');
    await rename(b, 'b2');
    await rename(a, 'a3');
    await retitleInPipeline(b, 'b3');
    const sink = new RecordingSink();

    relay(sink).start();

    await eventually(drained, 'every outbox to drain');
    expect(sink.acked).toHaveLength(8);
    expect(sink.attempts).toBe(8);
    expect(new Set(sink.acked.map((e) => e.msgId))).toEqual(new Set([a, b].flatMap((id) => range(4).map((v) => msgIdOf(id, v)))));
    expect(published(sink).get(a.toHexString())).toEqual([0, 1, 2, 3]);
    expect(published(sink).get(b.toHexString())).toEqual([0, 1, 2, 3]);
    // Verbatim what each write put in the event: a computed one (pipeline) as a built one (operators).
    const body = (msgId: string) => sink.acked.find((e) => e.msgId === msgId)?.data;
    expect(body(msgIdOf(b, 1))).toEqual({ id: b.toHexString(), version: 1, title: 'b1' });
    expect(body(msgIdOf(a, 1))).toEqual({ id: a.toHexString(), version: 1, title: 'a1' });
    expect(await read(a)).toEqual({ _id: a, title: 'a3', version: 3, owner: 'alice' });
    expect(await read(b)).toEqual({ _id: b, title: 'b3', version: 3, owner: 'bob' });
  });

  it('when one aggregate’s head keeps failing, then it is retried with backoff, its later versions wait behind it, the other aggregates are published, and once the broker recovers everything drains in order', async () => {
    const stuck = await create('s0');
    await rename(stuck, 's1');
    const fine = await create('f0');
    await retitleInPipeline(fine, 'f1');
    const sink = new RecordingSink();
    sink.failWhen = (msgId) => msgId === msgIdOf(stuck, 0);

    relay(sink).start();

    await eventually(() => sink.ackedFor(msgIdOf(fine, 1)) === 1, 'the healthy aggregate to be published');
    await eventually(async () => ((await outboxOf(stuck))[0]?.attempts ?? 0) >= 2, 'retries of the failing head');
    const [head, next] = await outboxOf(stuck);
    expect(head).toMatchObject({ aggregateVersion: 0, lastError: `broker refused ${msgIdOf(stuck, 0)}` });
    expect(head.nextAttemptAt.getTime()).toBeGreaterThan(head.createdAt.getTime());
    expect(next).toMatchObject({ aggregateVersion: 1, attempts: 0, lastError: null, claimedBy: null });
    expect((await read(stuck)).outboxPending).toBe(true);
    expect(sink.acked.filter((e) => e.msgId.includes(stuck.toHexString()))).toEqual([]);
    expect(await read(fine)).toEqual({ _id: fine, title: 'f1', version: 1, owner: 'owner-1' });

    sink.failWhen = () => false;

    await eventually(drained, 'the stuck aggregate to drain');
    expect(published(sink).get(stuck.toHexString())).toEqual([0, 1]);
    expect(published(sink).get(fine.toHexString())).toEqual([0, 1]);
    expect(sink.acked).toHaveLength(4);
    expect(await read(stuck)).toEqual({ _id: stuck, title: 's1', version: 1, owner: 'owner-1' });
  });

  it('when an aggregate’s head is claimed by another live relay, then the relay neither publishes it nor overtakes it with a later version', async () => {
    const id = await create('c0');
    await rename(id, 'c1');
    await things.updateOne({ _id: id }, { $set: { 'outbox.0.claimedBy': 'other', 'outbox.0.claimedUntil': inAMinute() } });
    const sink = new RecordingSink();

    await relay(sink).drain();

    expect(sink.attempts).toBe(0);
    const outbox = await outboxOf(id);
    expect(outbox.map((e) => [e.aggregateVersion, e.claimedBy])).toEqual([
      [0, 'other'],
      [1, null],
    ]);
    expect((await read(id)).outboxPending).toBe(true);
  });

  it('when a version in the middle is held by another live relay, then only the versions before it are published and the later ones stay, unclaimed', async () => {
    const id = await create('m0');
    for (const title of ['m1', 'm2', 'm3']) await rename(id, title);
    await things.updateOne({ _id: id }, { $set: { 'outbox.2.claimedBy': 'other', 'outbox.2.claimedUntil': inAMinute() } });
    const sink = new RecordingSink();

    await relay(sink).drain();

    expect(published(sink).get(id.toHexString())).toEqual([0, 1]);
    expect((await outboxOf(id)).map((e) => [e.aggregateVersion, e.claimedBy])).toEqual([
      [2, 'other'],
      [3, null],
    ]);
    expect((await read(id)).outboxPending).toBe(true);
  });

  it('when a claim has lapsed (its relay died), then the relay publishes the event and the ones after it', async () => {
    const id = await create('l0');
    await rename(id, 'l1');
    await things.updateOne({ _id: id }, { $set: { 'outbox.0.claimedBy': 'dead', 'outbox.0.claimedUntil': new Date(Date.now() - 1) } });
    const sink = new RecordingSink();

    await relay(sink).drain();

    expect(sink.acked.map((e) => e.msgId)).toEqual([msgIdOf(id, 0), msgIdOf(id, 1)]);
    expect(await read(id)).toEqual({ _id: id, title: 'l1', version: 1, owner: 'owner-1' });
  });

  it('when the first documents of the relay’s window are all blocked at their head, then it reads past them and publishes the others', async () => {
    const first = await create('x0');
    const second = await create('y0');
    await rename(second, 'y1');
    await things.updateMany({ _id: { $in: [first, second] } }, { $set: { 'outbox.0.nextAttemptAt': inAMinute() } });
    const fine = await create('z0');
    const sink = new RecordingSink();

    await relay(sink, { batchSize: 2 }).drain();

    expect(sink.acked.map((e) => e.msgId)).toEqual([msgIdOf(fine, 0)]);
    expect((await outboxOf(first)).map((e) => e.aggregateVersion)).toEqual([0]);
    expect((await outboxOf(second)).map((e) => e.aggregateVersion)).toEqual([0, 1]);
    expect(await read(fine)).toEqual({ _id: fine, title: 'z0', version: 0, owner: 'owner-1' });
  });

  describe('when the relay runs in the process that writes', () => {
    it('then events handed over with committed() leave without the relay reading the collection or claiming them (they were written claimed by it): a mark each', async () => {
      const calls = recordStoreCalls();
      const sink = new RecordingSink();
      // No sweep during the test: only commits wake the relay (its first pass reads, as at every start).
      relay(sink, { sweepIntervalMs: 60_000 }).start();
      await eventually(() => calls.includes('find'), 'the first pass');
      const leftDocument = async (id: Id) => (await read(id)).outboxPending === undefined;

      const id = await create('h0');
      await eventually(() => leftDocument(id), 'version 0 (insertFields) to be published and removed');
      await rename(id, 'h1');
      await eventually(() => leftDocument(id), 'version 1 (withEvents) to be published and removed');
      await retitleInPipeline(id, 'h2');
      await eventually(() => leftDocument(id), 'version 2 (appendInPipeline) to be published and removed');

      expect(sink.acked.map((e) => e.msgId)).toEqual(range(3).map((v) => msgIdOf(id, v)));
      expect(calls.filter((call) => call === 'find' || call === 'aggregate')).toEqual(['find']);
      expect(calls).toEqual(['find', ...Array(3).fill('bulkWrite')]);
      expect(await read(id)).toEqual({ _id: id, title: 'h2', version: 2, owner: 'owner-1' });
    });

    it('when an earlier version it did not publish is still waiting, then a handed-over later version makes it read, and it does not overtake', async () => {
      const id = await create('w0'); // before the relay started: not handed to it
      await things.updateOne({ _id: id }, { $set: { 'outbox.0.claimedBy': 'other', 'outbox.0.claimedUntil': inAMinute() } });
      const calls = recordStoreCalls();
      const sink = new RecordingSink();
      const r = relay(sink, { sweepIntervalMs: 60_000 });
      r.start();
      await eventually(() => calls.includes('find'), 'the first pass');

      await rename(id, 'w1');

      await eventually(() => calls.filter((call) => call === 'find').length === 2, 'the handed-over event to make the relay read');
      expect(sink.attempts).toBe(0);
      expect((await outboxOf(id)).map((e) => e.aggregateVersion)).toEqual([0, 1]);
      // The other relay lets go: both leave, in order.
      await things.updateOne({ _id: id }, { $set: { 'outbox.0.claimedBy': null, 'outbox.0.claimedUntil': null } });
      await r.drain();
      expect(sink.acked.map((e) => e.msgId)).toEqual([msgIdOf(id, 0), msgIdOf(id, 1)]);
      expect(await read(id)).toEqual({ _id: id, title: 'w1', version: 1, owner: 'owner-1' });
    });
  });

  it('when two relays on the same store drain many events of many aggregates, some handed to both as they are written, then each event is published exactly once and in order per aggregate', async () => {
    const ids: Id[] = [];
    for (let i = 0; i < 15; i += 1) ids.push(await create(`n${i}`));
    for (const id of ids) {
      await rename(id, 'v1');
      await retitleInPipeline(id, 'v2');
    }
    // One sink for both: the order it received is the order the broker stored.
    const sink = new RecordingSink();
    relay(sink, { batchSize: 4 }).start();
    relay(sink, { batchSize: 4 }).start();

    await Promise.all(
      ids.map(async (id) => {
        await rename(id, 'v3');
        await retitleInPipeline(id, 'v4');
      }),
    );

    await eventually(drained, 'both relays to drain');
    expect(sink.acked).toHaveLength(75);
    expect(sink.attempts).toBe(75);
    expect(new Set(sink.acked.map((e) => e.msgId)).size).toBe(75);
    for (const id of ids) expect(published(sink).get(id.toHexString())).toEqual(range(5));
    expect(await things.countDocuments({ version: 4, title: 'v4', owner: 'owner-1' })).toBe(15);
  });

  it('when events are appended to a document while the relay publishes and removes earlier ones from it, then none is lost: every version is published once, in order, and the document ends without an outbox', async () => {
    const sink = new RecordingSink();
    relay(sink).start();
    const id = await create('v0');
    const versionZeroLeft = async () => (await outboxOf(id)).every((e) => e.aggregateVersion > 0);

    // Two writers on the one document, each appending 15 events (one through a pipeline, one through
    // operators, retried when the other took its version); halfway, both wait until the relay has
    // removed version 0 from the array, so the rest of their appends race the relay's marks.
    const writer = (write: (title: string) => Promise<number>, name: string) => async () => {
      for (let i = 0; i < 15; i += 1) {
        await write(`${name} ${i}`);
        if (i === 4) await eventually(versionZeroLeft, 'version 0 to be removed from the array');
      }
    };
    await Promise.all([writer((t) => retitleInPipeline(id, t), 'pipeline')(), writer((t) => rename(id, t), 'operators')()]);

    await eventually(drained, 'the document’s outbox to drain');
    expect(published(sink).get(id.toHexString())).toEqual(range(31));
    expect(sink.acked).toHaveLength(31);
    expect(sink.attempts).toBe(31);
    const doc = await read(id);
    expect(doc).toMatchObject({ _id: id, version: 30, owner: 'owner-1' });
    expect(Object.keys(doc).sort()).toEqual(['_id', 'owner', 'title', 'version']);
  });
});

describe('embedded outbox reads', () => {
  it('when another relay’s first read runs between a read and the read that skips its blocked aggregates, then the skip still holds', async () => {
    const blocked = [await create('s1'), await create('s2')];
    for (const _id of blocked) await things.updateOne({ _id }, { $set: { 'outbox.0.nextAttemptAt': inAMinute() } });
    const fine = await create('fine');

    const first = await store.readUnpublished(2, []);
    const other = store.readUnpublished(2, []);
    const again = await store.readUnpublished(2, [...new Set(first.rows.map((row) => row.aggregateId))]);
    await other;

    expect(first.rows.map((row) => row.aggregateId)).toEqual(blocked.map((id) => id.toHexString()));
    expect(again.rows.map((row) => row.aggregateId)).toEqual([fine.toHexString()]);
  });
});

describe('embedded outbox levels', () => {
  it('when nothing waits, then levels(), stats() and nextDue() report nothing', async () => {
    expect(await store.levels()).toEqual({ backlog: 0, oldestCreatedAt: null });
    expect(await relay(new RecordingSink()).stats()).toEqual({ backlog: 0, oldestUnpublishedAgeMs: null, duplicatesOfUnpublished: 0 });
    expect(await store.nextDue()).toBeNull();
  });

  it('when events wait, then levels() counts every event of every document and names the oldest createdAt, and stats() agrees', async () => {
    const a = await create('a0');
    await rename(a, 'a1');
    await retitleInPipeline(a, 'a2');
    const b = await create('b0');
    const oldest = new Date('2020-01-01T00:00:00Z');
    await things.updateOne({ _id: a }, { $set: { 'outbox.0.createdAt': new Date('2020-01-02T00:00:00Z') } });
    await things.updateOne({ _id: b }, { $set: { 'outbox.0.createdAt': oldest } });
    await create('c0');

    expect(await store.levels()).toEqual({ backlog: 5, oldestCreatedAt: oldest });
    const before = Date.now();
    const stats = await relay(new RecordingSink()).stats();
    const after = Date.now();
    expect(stats.backlog).toBe(5);
    expect(stats.duplicatesOfUnpublished).toBe(0);
    expect(stats.oldestUnpublishedAgeMs).toBeGreaterThanOrEqual(before - oldest.getTime());
    expect(stats.oldestUnpublishedAgeMs).toBeLessThanOrEqual(after - oldest.getTime());

    await relay(new RecordingSink()).drain();
    expect(await store.levels()).toEqual({ backlog: 0, oldestCreatedAt: null });
  });

  it('when events wait for their retries, then nextDue() returns the earliest retry time, wherever it is in a document’s array', async () => {
    const a = await create('a0');
    await rename(a, 'a1');
    const b = await create('b0');
    const at = (hours: number) => new Date(Date.UTC(2030, 0, 1, hours));
    await things.updateOne({ _id: a }, { $set: { 'outbox.0.nextAttemptAt': at(3), 'outbox.1.nextAttemptAt': at(1) } });
    await things.updateOne({ _id: b }, { $set: { 'outbox.0.nextAttemptAt': at(2) } });

    expect(await store.nextDue()).toEqual(at(1));
  });

  it('when a publish fails, then nextDue() is the retry time the relay set on that event', async () => {
    const id = await create('r0');
    const sink = new RecordingSink();
    sink.failWhen = () => true;

    await relay(sink).drain();

    const [event] = await outboxOf(id);
    expect(event).toMatchObject({ attempts: 1, lastError: `broker refused ${msgIdOf(id, 0)}`, claimedBy: null, claimedUntil: null });
    expect(await store.nextDue()).toEqual(event.nextAttemptAt);
  });
});

describe('embedded outbox index', () => {
  /** Every stage of a plan, with the index an IXSCAN used. */
  const stagesOf = (plan: PlanStage & { indexName?: string }): Array<{ stage: string; indexName?: string }> => [
    { stage: plan.stage, ...(plan.indexName ? { indexName: plan.indexName } : {}) },
    ...(plan.inputStage ? stagesOf(plan.inputStage) : []),
    ...(plan.inputStages ?? []).flatMap(stagesOf),
  ];
  type Explained = { queryPlanner: { winningPlan: PlanStage }; executionStats: { nReturned: number; totalDocsExamined: number } };

  it('when few of many documents have pending events, then the relay’s read scans the partial index and examines only those documents', async () => {
    const pending: Id[] = [];
    for (let i = 0; i < 50; i += 1) {
      if (i % 17 === 5) pending.push(await create(`p${i}`));
      else await things.insertOne({ _id: new ObjectId(), title: `q${i}`, version: 0, owner: 'owner-1' });
    }
    expect(pending).toHaveLength(3);

    const explained = (await things
      .find({ outboxPending: true })
      .sort({ outboxPending: 1, _id: 1 })
      .explain('executionStats')) as unknown as Explained;

    const stages = stagesOf(explained.queryPlanner.winningPlan);
    expect(stages).toContainEqual({ stage: 'IXSCAN', indexName: 'outbox_pending' });
    expect(stages.map((s) => s.stage)).not.toContain('COLLSCAN');
    expect(explained.executionStats.nReturned).toBe(3);
    expect(explained.executionStats.totalDocsExamined).toBe(3);

    // The very find the store sends (filter, sort, limit, projection), explained the same way.
    const finds: Array<[object, mongo.FindOptions]> = [];
    mongoose.set('debug', (collection: string, method: string, filter: object, options: mongo.FindOptions) => {
      if (collection === 'things' && method === 'find') finds.push([filter, options]);
    });
    const { rows } = await store.readUnpublished(200, []);
    mongoose.set('debug', false);
    expect(rows.map((row) => row.aggregateId)).toEqual(pending.map((id) => id.toHexString()));
    expect(finds).toHaveLength(1);
    const [filter, options] = finds[0];
    const storeRead = (await things.find(filter, options).explain('executionStats')) as unknown as Explained;
    expect(stagesOf(storeRead.queryPlanner.winningPlan)).toContainEqual({ stage: 'IXSCAN', indexName: 'outbox_pending' });
    expect(stagesOf(storeRead.queryPlanner.winningPlan).map((s) => s.stage)).not.toContain('COLLSCAN');
    expect(storeRead.executionStats.totalDocsExamined).toBe(3);
  });
});
