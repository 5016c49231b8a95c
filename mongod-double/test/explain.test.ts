// explain through the real driver: which plan a query gets and what it examined, in mongod's shape.
import { useDatabase } from './helpers';

type Doc = Record<string, unknown>;

/** The first stage of a plan tree with this name (walking inputStage). */
function stage(tree: unknown, name: string): Doc | undefined {
  let current = tree as Doc | undefined;
  while (current) {
    if (current.stage === name) return current;
    current = current.inputStage as Doc | undefined;
  }
  return undefined;
}

function stageNames(tree: unknown): string[] {
  const names: string[] = [];
  let current = tree as Doc | undefined;
  while (current) {
    names.push(String(current.stage));
    current = current.inputStage as Doc | undefined;
  }
  return names;
}

describe('MongoDB test double: explain', () => {
  const handle = useDatabase();
  const orders = () => handle.db.collection('orders');

  beforeAll(async () => {
    const c = orders();
    await c.createIndex({ ticket: 1, status: 1 });
    await c.createIndex({ orderNo: 1 }, { unique: true });
    await c.createIndex({ status: 1, expiresAt: 1 });
    await c.createIndex({ userId: 1 }, { partialFilterExpression: { userId: { $exists: true } } });
    const docs = Array.from({ length: 200 }, (_, i) => ({
      _id: i,
      ticket: `t${i % 40}`,
      status: ['created', 'complete', 'cancelled', 'awaiting:payment'][i % 4],
      orderNo: `o${i}`,
      expiresAt: new Date(1_000_000 + i * 1000),
      ...(i % 2 === 0 ? { userId: `u${i % 10}` } : {}),
    }));
    await c.insertMany(docs as never[]);
  });

  it('when a find has equality and $in on a compound index prefix, then explain shows FETCH over IXSCAN with its bounds and counts', async () => {
    const explained = await orders()
      .find({ ticket: 't3', status: { $in: ['created', 'awaiting:payment'] } })
      .explain('executionStats');

    const plan = explained.queryPlanner.winningPlan;
    expect(stageNames(plan)).toEqual(['FETCH', 'IXSCAN']);
    expect(stage(plan, 'IXSCAN')).toMatchObject({
      indexName: 'ticket_1_status_1',
      keyPattern: { ticket: 1, status: 1 },
      direction: 'forward',
      indexBounds: { ticket: ['["t3", "t3"]'], status: ['["awaiting:payment", "awaiting:payment"]', '["created", "created"]'] },
    });
    expect(explained.queryPlanner.rejectedPlans).toEqual([]);
    expect(explained.executionStats).toMatchObject({ nReturned: 5, totalKeysExamined: 5, totalDocsExamined: 5 });
    expect(typeof explained.executionStats.executionTimeMillis).toBe('number');
    expect(explained.executionStats.executionStages).toMatchObject({
      stage: 'FETCH',
      nReturned: 5,
      inputStage: { stage: 'IXSCAN', keysExamined: 5 },
    });
  });

  it('when a range is sorted by the index and limited, then there is no SORT stage and the scan stops early', async () => {
    const explained = await orders()
      .find({ status: 'created', expiresAt: { $gte: new Date(1_000_000) } })
      .sort({ expiresAt: -1 })
      .limit(3)
      .explain('executionStats');

    const plan = explained.queryPlanner.winningPlan;
    expect(stageNames(plan)).toEqual(['LIMIT', 'FETCH', 'IXSCAN']);
    expect(stage(plan, 'IXSCAN')).toMatchObject({
      indexName: 'status_1_expiresAt_1',
      direction: 'backward',
      indexBounds: { status: ['["created", "created"]'], expiresAt: ['[new Date(9223372036854775807), new Date(1000000)]'] },
    });
    expect(explained.executionStats.nReturned).toBe(3);
    expect(explained.executionStats).toMatchObject({ totalKeysExamined: 3, totalDocsExamined: 3 });
  });

  it('when no index fits, or $natural is hinted, then it is a COLLSCAN; a sort the index cannot give is a SORT stage', async () => {
    const scan = await orders().find({ missing: 1 }).explain('executionStats');
    const hinted = await orders().find({ orderNo: 'o5' }).hint({ $natural: -1 }).explain('queryPlanner');
    const sorted = await orders()
      .find({ ticket: 't1' })
      .sort({ orderNo: 1 })
      .skip(1)
      .limit(2)
      .project({ orderNo: 1 })
      .explain('queryPlanner');

    expect(scan.queryPlanner.winningPlan).toMatchObject({ stage: 'COLLSCAN', direction: 'forward', filter: { missing: { $eq: 1 } } });
    expect(scan.executionStats).toMatchObject({ nReturned: 0, totalKeysExamined: 0, totalDocsExamined: 200 });
    expect(hinted.queryPlanner.winningPlan).toMatchObject({ stage: 'COLLSCAN', direction: 'backward' });
    expect(hinted.executionStats).toBeUndefined();
    expect(stageNames(sorted.queryPlanner.winningPlan)).toEqual(['PROJECTION_SIMPLE', 'SKIP', 'SORT', 'FETCH', 'IXSCAN']);
    expect(stage(sorted.queryPlanner.winningPlan, 'SORT')).toMatchObject({ sortPattern: { orderNo: 1 }, limitAmount: 3 });
  });

  it('when hints name an index or a key pattern, then that index is scanned; an unknown one fails with BadValue', async () => {
    const byName = await orders().find({ status: 'created' }).hint('ticket_1_status_1').explain('queryPlanner');
    const byKey = await orders().find({}).hint({ orderNo: 1 }).explain('queryPlanner');

    expect(stage(byName.queryPlanner.winningPlan, 'IXSCAN')).toMatchObject({
      indexName: 'ticket_1_status_1',
      indexBounds: { ticket: ['[MinKey, MaxKey]'], status: ['["created", "created"]'] },
    });
    expect(stage(byKey.queryPlanner.winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'orderNo_1', isUnique: true });
    await expect(orders().find({}).hint('nope').toArray()).rejects.toMatchObject({ code: 2 });
  });

  it('when a partial index filter is implied by the query, then it is used, else not', async () => {
    const implied = await orders().find({ userId: 'u2' }).explain('queryPlanner');
    const notImplied = await orders().find({ userId: null }).explain('queryPlanner');

    expect(stage(implied.queryPlanner.winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'userId_1', isPartial: true });
    expect(notImplied.queryPlanner.winningPlan.stage).toBe('COLLSCAN');
  });

  it('when an aggregate starts with $match and $sort, then explain shows the plan (whole pipeline absorbed, or a $cursor stage)', async () => {
    const absorbed = await orders()
      .aggregate([{ $match: { status: 'complete' } }, { $sort: { expiresAt: 1 } }])
      .explain('executionStats');
    const withGroup = await orders()
      .aggregate([{ $match: { ticket: 't2' } }, { $group: { _id: '$status', n: { $sum: 1 } } }])
      .explain('queryPlanner');
    const option = await handle.db.command({ aggregate: 'orders', pipeline: [{ $match: { orderNo: 'o7' } }], explain: true });

    expect(stage(absorbed.queryPlanner.winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'status_1_expiresAt_1' });
    expect(absorbed.executionStats.nReturned).toBe(50);
    const cursor = (withGroup.stages as Doc[])[0].$cursor as Doc;
    expect(stage((cursor.queryPlanner as Doc).winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'ticket_1_status_1' });
    expect((withGroup.stages as Doc[])[1]).toEqual({ $group: { _id: '$status', n: { $sum: 1 } } });
    expect(stage((option.queryPlanner as Doc).winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'orderNo_1' });
  });

  it('when count, distinct, update, delete and findAndModify are explained, then their stages wrap the plan and nothing is written', async () => {
    const db = handle.db;
    const count = await db.command({ explain: { count: 'orders', query: { ticket: 't4' } }, verbosity: 'executionStats' });
    const distinct = await db.command({
      explain: { distinct: 'orders', key: 'status', query: { ticket: 't4' } },
      verbosity: 'queryPlanner',
    });
    const update = await db.command({
      explain: { update: 'orders', updates: [{ q: { status: 'created' }, u: { $set: { seen: true } }, multi: true }] },
      verbosity: 'executionStats',
    });
    const remove = await db.command({
      explain: { delete: 'orders', deletes: [{ q: { orderNo: 'o9' }, limit: 1 }] },
      verbosity: 'executionStats',
    });
    const fam = await db.command({
      explain: { findAndModify: 'orders', query: { status: 'cancelled' }, sort: { expiresAt: 1 }, update: { $set: { seen: true } } },
      verbosity: 'executionStats',
    });

    expect(count.queryPlanner).toMatchObject({ winningPlan: { stage: 'COUNT', inputStage: { stage: 'FETCH' } } });
    expect(count.executionStats).toMatchObject({ executionStages: { stage: 'COUNT', nCounted: 5 } });
    expect(stage((distinct.queryPlanner as Doc).winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'ticket_1_status_1' });
    expect((update.executionStats as Doc).executionStages).toMatchObject({ stage: 'UPDATE', nMatched: 50, nWouldModify: 50 });
    expect((remove.executionStats as Doc).executionStages).toMatchObject({ stage: 'DELETE', nWouldDelete: 1 });
    expect(stage((fam.queryPlanner as Doc).winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'status_1_expiresAt_1' });
    expect(await orders().countDocuments({ seen: true })).toBe(0);
    expect(await orders().countDocuments({ orderNo: 'o9' })).toBe(1);
  });

  it('when the verbosity is unknown, then explain fails with BadValue', async () => {
    await expect(handle.db.command({ explain: { find: 'orders' }, verbosity: 'everything' })).rejects.toMatchObject({ code: 2 });
  });
});

describe('MongoDB test double: index keys of superseded versions', () => {
  const handle = useDatabase();

  it('when 100 rows leave a range and no transaction is open, then a query on that range examines no key', async () => {
    const rows = handle.db.collection('superseded1');
    await rows.createIndex({ publishedAt: 1, seq: 1 });
    await rows.insertMany(Array.from({ length: 100 }, (_, seq) => ({ seq, publishedAt: null })));
    await rows.updateMany({}, { $set: { publishedAt: new Date() } });

    const explained = (await rows.find({ publishedAt: null }).sort({ seq: 1 }).explain('executionStats')) as Doc;

    expect(explained.executionStats).toMatchObject({ nReturned: 0, totalKeysExamined: 0, totalDocsExamined: 0 });
    expect(stageNames((explained.queryPlanner as Doc).winningPlan)).toContain('IXSCAN');
  });

  it('when a row leaves a range while a transaction that read before is open, then that transaction still finds it there', async () => {
    const rows = handle.db.collection('superseded2');
    await rows.createIndex({ state: 1 });
    await rows.insertOne({ _id: 'r', state: 'new' } as never);
    const session = handle.client.startSession();
    try {
      session.startTransaction({ readConcern: { level: 'snapshot' } });
      // The transaction's snapshot is taken at its first read.
      expect(await rows.findOne({ _id: 'r' } as never, { session })).toMatchObject({ state: 'new' });
      await rows.updateOne({ _id: 'r' } as never, { $set: { state: 'done' } });

      expect(await rows.find({ state: 'new' }, { session }).toArray()).toEqual([{ _id: 'r', state: 'new' }]);
      expect(await rows.find({ state: 'new' }).toArray()).toEqual([]);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    // Once it has ended, the old key is gone from the index too.
    const explained = (await rows.find({ state: 'new' }).explain('executionStats')) as Doc;
    expect(explained.executionStats).toMatchObject({ nReturned: 0, totalKeysExamined: 0 });
  });

  it('when a snapshot read at an earlier atClusterTime looks a row up by a key it has since left, then it still finds it', async () => {
    await handle.db.collection('superseded3').createIndex({ state: 1 });
    const first = await handle.db.command({ insert: 'superseded3', documents: [{ _id: 's', state: 'new' }] });
    await handle.db.collection('superseded3').updateOne({ _id: 's' } as never, { $set: { state: 'done' } });

    const reply = await handle.db.command({
      find: 'superseded3',
      filter: { state: 'new' },
      readConcern: { level: 'snapshot', atClusterTime: first.operationTime },
    });

    expect(reply.cursor.firstBatch).toEqual([{ _id: 's', state: 'new' }]);
  });
});
