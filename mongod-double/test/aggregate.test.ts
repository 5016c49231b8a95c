import { useDatabase } from './helpers';

describe('MongoDB test double: aggregate', () => {
  const handle = useDatabase();

  beforeAll(async () => {
    const users = handle.db.collection('users');
    const orders = handle.db.collection('orders');
    await users.insertMany([
      { _id: 'u1', name: 'Ada' },
      { _id: 'u2', name: 'Bob' },
    ] as never[]);
    await orders.insertMany([
      { userId: 'u1', total: 10, items: ['a', 'b'] },
      { userId: 'u1', total: 5, items: ['c'] },
      { userId: 'u2', total: 7, items: [] },
    ]);
  });

  it('when $match, $group and $sort run, then totals per group come out in order', async () => {
    const result = await handle.db
      .collection('orders')
      .aggregate([
        { $match: { total: { $gt: 1 } } },
        { $group: { _id: '$userId', sum: { $sum: '$total' }, n: { $sum: 1 } } },
        { $sort: { sum: -1 } },
      ])
      .toArray();

    expect(result).toEqual([
      { _id: 'u1', sum: 15, n: 2 },
      { _id: 'u2', sum: 7, n: 1 },
    ]);
  });

  it('when $unwind, $project, $skip, $limit and $count run, then they shape and count the stream', async () => {
    const orders = handle.db.collection('orders');

    const unwound = await orders
      .aggregate([{ $unwind: '$items' }, { $project: { _id: 0, item: '$items' } }, { $sort: { item: 1 } }, { $skip: 1 }, { $limit: 1 }])
      .toArray();
    const counted = await orders.aggregate([{ $unwind: '$items' }, { $count: 'items' }]).toArray();

    expect(unwound).toEqual([{ item: 'b' }]);
    expect(counted).toEqual([{ items: 3 }]);
  });

  it('when $lookup joins another collection of the database, then matching documents are embedded', async () => {
    const result = await handle.db
      .collection('users')
      .aggregate([
        { $lookup: { from: 'orders', localField: '_id', foreignField: 'userId', as: 'orders' } },
        { $project: { name: 1, count: { $size: '$orders' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();

    expect(result).toEqual([
      { _id: 'u1', name: 'Ada', count: 2 },
      { _id: 'u2', name: 'Bob', count: 1 },
    ]);
  });

  it('when a result exceeds the batch size, then the rest arrives through getMore', async () => {
    const big = handle.db.collection('agg-big');
    await big.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));

    const result = await big.aggregate([{ $sort: { i: 1 } }], { batchSize: 20 }).toArray();

    expect(result.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('when mongoose-style countDocuments runs, then it counts through $group', async () => {
    expect(await handle.db.collection('orders').countDocuments({ userId: 'u1' })).toBe(2);
  });

  it('when a stage is unknown, then the command fails instead of ignoring it', async () => {
    await expect(
      handle.db
        .collection('orders')
        .aggregate([{ $noSuchStage: {} }])
        .toArray(),
    ).rejects.toThrow();
  });
});
