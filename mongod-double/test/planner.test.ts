// The query planner never changes results: the same randomised queries (mixed types, missing fields,
// arrays, nulls, collations) give the same documents through an index as through a collection scan
// (`hint: { $natural: 1 }`) or on a collection without secondary indexes.
import { ObjectId } from 'bson';
import { seededRandom, useDatabase, type Db } from './helpers';

type Doc = Record<string, unknown>;
type KeyPattern = Record<string, 1 | -1>;

const OIDS = [new ObjectId('000000000000000000000001'), new ObjectId('000000000000000000000002')];
const SCALARS: unknown[] = [0, 1, 2, 2.5, -1, 10, 'a', 'b', 'B', 'abc', 'Abc', '', null, true, false, new Date(0), new Date(5000), ...OIDS];
const VALUES: unknown[] = [...SCALARS, [1, 2], [2, 'a'], [], [[1]], [null], { x: 1 }, ['b', 'B']];
const STATUSES = ['created', 'complete', 'cancelled', 'awaiting:payment'];

function pick<T>(rnd: () => number, from: T[]): T {
  return from[Math.floor(rnd() * from.length)];
}

function randomDoc(rnd: () => number, i: number): Doc {
  const doc: Doc = { _id: i };
  if (rnd() < 0.85) doc.a = pick(rnd, VALUES);
  if (rnd() < 0.8) doc.b = rnd() < 0.7 ? Math.floor(rnd() * 12) : pick(rnd, SCALARS);
  if (rnd() < 0.9) doc.c = pick(rnd, ['x', 'X', 'y', 'Y', 'é', 'e', 'z']);
  if (rnd() < 0.3) doc.s = pick(rnd, SCALARS);
  doc.status = pick(rnd, STATUSES);
  doc.at = new Date(1_000_000 + Math.floor(rnd() * 100) * 1000);
  if (rnd() < 0.5) doc.n = { d: pick(rnd, SCALARS) };
  return doc;
}

function randomPredicate(rnd: () => number, field: string): unknown {
  const value = pick(rnd, SCALARS);
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return value;
    case 1:
      return { $in: [pick(rnd, SCALARS), pick(rnd, SCALARS), pick(rnd, SCALARS)] };
    case 2:
      return { [pick(rnd, ['$gt', '$gte', '$lt', '$lte'])]: value };
    case 3:
      return { $gte: pick(rnd, [0, 1, 'a', new Date(0)]), $lt: pick(rnd, [2, 10, 'b', new Date(5000)]) };
    case 4:
      return { $exists: rnd() < 0.5 };
    case 5:
      return field === 'status' ? { $in: [pick(rnd, STATUSES), pick(rnd, STATUSES)] } : { $eq: value };
    case 6:
      return { $ne: value };
    default:
      return { $in: [value, null] };
  }
}

function randomFilter(rnd: () => number): Doc {
  const filter: Doc = {};
  const fields = ['a', 'b', 'c', 's', 'status', 'n.d'];
  const count = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < count; i++) {
    const field = pick(rnd, fields);
    if (field in filter) filter.$and = [{ [field]: randomPredicate(rnd, field) }];
    else filter[field] = randomPredicate(rnd, field);
  }
  if (rnd() < 0.1) filter.at = { $lte: new Date(1_050_000) };
  return filter;
}

const INDEXES: Array<[KeyPattern, Doc]> = [
  [{ a: 1 }, {}],
  [{ a: 1, b: -1 }, {}],
  [{ b: 1 }, { name: 'b_partial', partialFilterExpression: { b: { $gt: 5 } } }],
  [{ status: 1, at: 1 }, {}],
  [{ s: 1 }, { sparse: true }],
  [{ c: 1 }, { name: 'c_en', collation: { locale: 'en', strength: 2 } }],
  [{ 'n.d': -1 }, {}],
];

const ids = (docs: Doc[]): unknown[] => docs.map((d) => d._id).sort((x, y) => Number(x) - Number(y));

describe('MongoDB test double: the query planner keeps results', () => {
  const handle = useDatabase();
  let db: Db;
  const rnd = seededRandom(20261202);
  const docs = Array.from({ length: 400 }, (_, i) => randomDoc(rnd, i));

  beforeAll(async () => {
    db = handle.db;
    for (const [key, options] of INDEXES) await db.collection('indexed').createIndex(key, options);
    await db.collection('indexed').insertMany(docs.map((d) => ({ ...d })));
    await db.collection('plain').insertMany(docs.map((d) => ({ ...d })));
  });

  it('when random filters run through the indexes and as collection scans, then find, count and distinct agree', async () => {
    const indexed = db.collection('indexed');
    let throughIndex = 0;
    for (let i = 0; i < 150; i++) {
      const filter = randomFilter(rnd);
      const collation = rnd() < 0.25 ? { locale: 'en', strength: 2 } : undefined;
      const options = collation ? { collation } : {};

      const viaPlan = await indexed.find(filter, options).toArray();
      const viaScan = await indexed.find(filter, { ...options, hint: { $natural: 1 } }).toArray();
      const count = await indexed.countDocuments(filter, options);
      const distinct = await indexed.distinct('b', filter, options);
      const plainDistinct = await db.collection('plain').distinct('b', filter, options);

      expect({ filter, ids: ids(viaPlan) }).toEqual({ filter, ids: ids(viaScan) });
      expect({ filter, count }).toEqual({ filter, count: viaScan.length });
      expect(distinct.length).toBe(plainDistinct.length);
      const explained = await indexed.find(filter, options).explain('queryPlanner');
      if (explained.queryPlanner.winningPlan.stage === 'FETCH') throughIndex += 1;
    }
    // The comparison means something only if many of the queries did use an index.
    expect(throughIndex).toBeGreaterThan(40);
  });

  it('when a sort an index gives is asked for (with limits and backwards), then the order is the collection scan order', async () => {
    const indexed = db.collection('indexed');
    const sorts: KeyPattern[] = [{ a: 1 }, { a: -1 }, { status: 1, at: 1 }, { status: -1, at: -1 }, { at: 1 }, { 'n.d': 1 }, { b: -1 }];
    for (let i = 0; i < 80; i++) {
      const filter = rnd() < 0.5 ? {} : rnd() < 0.5 ? { status: pick(rnd, STATUSES) } : randomFilter(rnd);
      const sort = pick(rnd, sorts);
      const limit = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 10);
      const key = (d: Doc) =>
        JSON.stringify(Object.keys(sort).map((path) => path.split('.').reduce<unknown>((v, p) => (v as Doc)?.[p], d)));

      const viaPlan = await indexed.find(filter).sort(sort).limit(limit).toArray();
      const viaScan = await indexed
        .find(filter, { hint: { $natural: 1 } })
        .sort(sort)
        .limit(limit)
        .toArray();

      expect({ filter, sort, keys: viaPlan.map(key) }).toEqual({ filter, sort, keys: viaScan.map(key) });
      if (limit === 0) expect(ids(viaPlan)).toEqual(ids(viaScan));
    }
  });

  it('when updates and deletes select documents through indexes, then they change the same documents as on a collection without indexes', async () => {
    const indexed = db.collection('indexed_w');
    for (const [key, options] of INDEXES) await indexed.createIndex(key, options);
    const plain = db.collection('plain_w');
    await indexed.insertMany(docs.map((d) => ({ ...d })));
    await plain.insertMany(docs.map((d) => ({ ...d })));
    for (let i = 0; i < 40; i++) {
      const filter = randomFilter(rnd);
      const update = { $set: { a: pick(rnd, SCALARS), b: Math.floor(rnd() * 12) }, $inc: { touched: 1 } };
      const op = i % 4;
      const status = pick(rnd, STATUSES);
      for (const c of [indexed, plain]) {
        if (op === 0) await c.updateMany(filter, update);
        // One document of several: the first in sort order (equal keys in insertion order, either way).
        else if (op === 1) await c.findOneAndDelete({ status }, { sort: { at: 1 } });
        else if (op === 2) await c.deleteMany({ ...filter, b: { $gt: 9 } });
        else await c.findOneAndUpdate({ at: { $gte: new Date(1_090_000) } }, update, { sort: { at: 1 } });
      }
      expect(await indexed.find({}).sort({ _id: 1 }).toArray()).toEqual(await plain.find({}).sort({ _id: 1 }).toArray());
    }
    const sweep = { status: { $in: ['created', 'awaiting:payment'] }, at: { $lte: new Date(1_050_000) } };
    expect(ids(await indexed.find(sweep).toArray())).toEqual(ids(await plain.find(sweep).toArray()));
  });

  it('when a transaction reads through an index while others change indexed fields, then it sees its snapshot and its own writes', async () => {
    const c = db.collection('snapshot');
    await c.createIndex({ k: 1 });
    await c.insertMany([
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
      { _id: 3, k: 3 },
    ] as never[]);
    const session = handle.client.startSession();
    try {
      session.startTransaction();
      await c.findOne({}, { session });
      await c.updateOne({ _id: 1 } as never, { $set: { k: 9 } });
      await c.insertOne({ _id: 4, k: 2 } as never);
      await c.updateOne({ _id: 3 } as never, { $set: { k: 5 } }, { session });

      const inTxn = await c
        .find({ k: { $gte: 1, $lte: 5 } }, { session })
        .sort({ k: 1 })
        .toArray();
      const inTxnScan = await c
        .find({ k: { $gte: 1, $lte: 5 } }, { session, hint: { $natural: 1 } })
        .sort({ k: 1 })
        .toArray();
      const outside = await c
        .find({ k: { $gte: 1 } })
        .sort({ k: -1 })
        .toArray();
      await session.commitTransaction();
      const after = await c
        .find({ k: { $gte: 1 } })
        .sort({ k: 1 })
        .toArray();

      expect(inTxn).toEqual([
        { _id: 1, k: 1 },
        { _id: 2, k: 2 },
        { _id: 3, k: 5 },
      ]);
      expect(inTxnScan).toEqual(inTxn);
      expect(outside).toEqual([
        { _id: 1, k: 9 },
        { _id: 3, k: 3 },
        { _id: 4, k: 2 },
        { _id: 2, k: 2 },
      ]);
      expect(after.map((d) => d._id)).toEqual([2, 4, 3, 1]);
    } finally {
      await session.endSession();
    }
  });
});
