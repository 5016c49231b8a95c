import mongoose, { Schema } from 'mongoose';
import { startMongo, type TestMongo } from '../src/launch';
import { MongoClient, randomEmail, useDatabase } from './helpers';

describe('MongoDB test double: indexes', () => {
  const handle = useDatabase();
  let seq = 0;
  const fresh = () => handle.db.collection(`ix${++seq}`);

  it('when indexes are created, then listIndexes shows them with their options and dropIndexes removes them', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.createIndex({ a: 1, b: -1 }, { name: 'a_b', sparse: true });

    const listed = await c.listIndexes().toArray();
    await c.dropIndex('a_b');
    const after = await c.listIndexes().toArray();

    expect(listed).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { email: 1 }, name: 'email_1', unique: true },
      { v: 2, key: { a: 1, b: -1 }, name: 'a_b', sparse: true },
    ]);
    expect(after.map((i) => i.name)).toEqual(['_id_', 'email_1']);
  });

  it('when an index holds thousands of keys (many chunks) and they change, then ranges through it match a collection scan', async () => {
    const c = fresh();
    await c.createIndex({ k: 1, n: -1 });
    await c.insertMany(Array.from({ length: 6000 }, (_, i) => ({ i, k: (i * 7919) % 101, n: i % 13 })));
    // Moves keys across the sequence and removes some, so chunks split, shrink and empty.
    await c.updateMany({ i: { $mod: [3, 0] } }, { $inc: { k: 50 } });
    await c.deleteMany({ i: { $mod: [5, 0] } });

    for (const filter of [{ k: { $gte: 20, $lt: 60 } }, { k: 77, n: { $gt: 4 } }, { k: { $in: [3, 99, 140] } }]) {
      const viaIndex = await c.find(filter).sort({ k: 1, n: -1, i: 1 }).hint({ k: 1, n: -1 }).toArray();
      const viaScan = await c.find(filter).sort({ k: 1, n: -1, i: 1 }).hint({ $natural: 1 }).toArray();
      expect(viaIndex.length).toBeGreaterThan(0);
      expect(viaIndex).toEqual(viaScan);
    }
    const backwards = await c
      .find({ k: { $gte: 90 } })
      .sort({ k: -1, n: 1 })
      .hint({ k: 1, n: -1 })
      .project({ _id: 0, k: 1, n: 1 })
      .toArray();
    const expected = (
      await c
        .find({ k: { $gte: 90 } })
        .project({ _id: 0, k: 1, n: 1 })
        .toArray()
    ).sort((a, b) => b.k - a.k || a.n - b.n);
    expect(backwards).toEqual(expected);
  });

  it('when the same index is created twice, then the second call is a no-op', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 });

    const name = await c.createIndex({ k: 1 });

    expect(name).toBe('k_1');
    expect(await c.listIndexes().toArray()).toHaveLength(2);
  });

  it('when an index name is reused with other options, then createIndexes fails with IndexOptionsConflict', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { name: 'k' });

    await expect(c.createIndex({ k: 1 }, { name: 'k', unique: true })).rejects.toMatchObject({ code: 85 });
  });

  it('when the _id index is dropped, then the server refuses', async () => {
    const c = fresh();
    await c.insertOne({});

    await expect(c.dropIndex('_id_')).rejects.toMatchObject({ code: 72 });
  });

  it('when listIndexes names a missing collection, then it fails with NamespaceNotFound', async () => {
    await expect(handle.db.collection('missing-ix').listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
  });

  it('when a unique index is built over duplicates, then the build fails with 11000', async () => {
    const c = fresh();
    await c.insertMany([{ e: 'x' }, { e: 'x' }]);

    await expect(c.createIndex({ e: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
  });

  it('when a compound unique key repeats, then the insert fails and reports keyPattern and keyValue', async () => {
    const c = fresh();
    await c.createIndex({ a: 1, b: 1 }, { unique: true });
    await c.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
    ]);

    await expect(c.insertOne({ a: 1, b: 2 })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { a: 1, b: 1 },
      keyValue: { a: 1, b: 2 },
      message: expect.stringContaining('index: a_1_b_1 dup key: { a: 1, b: 2 }'),
    });
  });

  it('when an update moves a document onto a taken unique key, then it fails with a write error', async () => {
    const c = fresh();
    await c.createIndex({ e: 1 }, { unique: true });
    await c.insertMany([{ e: 'a' }, { e: 'b' }]);

    await expect(c.updateOne({ e: 'b' }, { $set: { e: 'a' } })).rejects.toMatchObject({ code: 11000 });
    await expect(c.findOneAndUpdate({ e: 'b' }, { $set: { e: 'a' } })).rejects.toMatchObject({
      code: 11000,
      codeName: 'DuplicateKey',
      keyValue: { e: 'a' },
    });
  });

  it('when array values are indexed uniquely, then each element counts as a key', async () => {
    const c = fresh();
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ['a', 'b'] });

    await expect(c.insertOne({ tags: ['c', 'b'] })).rejects.toMatchObject({ code: 11000 });
    await c.insertOne({ tags: ['c'] });
  });

  it('when a unique index is sparse, then documents without the field do not collide', async () => {
    const c = fresh();
    await c.createIndex({ s: 1 }, { unique: true, sparse: true });

    await c.insertMany([{ x: 1 }, { x: 2 }]);

    await expect(c.insertMany([{ s: 1 }, { s: 1 }])).rejects.toMatchObject({ code: 11000 });
  });

  it('when a unique index is not sparse, then two documents missing the field collide on null', async () => {
    const c = fresh();
    await c.createIndex({ s: 1 }, { unique: true });
    await c.insertOne({ x: 1 });

    await expect(c.insertOne({ x: 2 })).rejects.toMatchObject({ code: 11000, keyValue: { s: null } });
  });

  it('when a unique index is partial, then only documents matching its filter must be unique', async () => {
    const c = fresh();
    await c.createIndex({ ticketId: 1 }, { unique: true, partialFilterExpression: { status: 'active' } });

    await c.insertMany([
      { ticketId: 't1', status: 'cancelled' },
      { ticketId: 't1', status: 'cancelled' },
      { ticketId: 't1', status: 'active' },
    ]);

    await expect(c.insertOne({ ticketId: 't1', status: 'active' })).rejects.toMatchObject({ code: 11000 });
    await c.updateOne({ ticketId: 't1', status: 'active' }, { $set: { status: 'cancelled' } });
    await c.insertOne({ ticketId: 't1', status: 'active' });
    expect(await c.countDocuments({ ticketId: 't1', status: 'active' })).toBe(1);
  });

  it('when 20 clients create the same email at once, then exactly one succeeds and 19 get 11000', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    const clients = await Promise.all(Array.from({ length: 4 }, () => handle.newClient()));
    const email = randomEmail();

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        clients[i % clients.length].db(handle.name).collection(c.collectionName).insertOne({ email, i }),
      ),
    );

    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(failures).toHaveLength(19);
    for (const failure of failures) expect(failure.reason).toMatchObject({ code: 11000 });
    expect(await c.countDocuments({ email })).toBe(1);
  });

  describe('through mongoose', () => {
    interface Person {
      email: string;
    }
    let connection: mongoose.Connection;

    beforeAll(async () => {
      connection = await mongoose.createConnection(`${handle.serverUri.replace('/?', `/${handle.name}-m?`)}`).asPromise();
    });
    afterAll(async () => {
      await connection.close();
    });

    it('when 20 concurrent creates use one email, then one document exists and 19 creates fail with 11000', async () => {
      const Person = connection.model<Person>('Person', new Schema<Person>({ email: { type: String, unique: true } }));
      await Person.init();
      const email = randomEmail();

      const results = await Promise.allSettled(Array.from({ length: 20 }, () => Person.create({ email })));

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && (r.reason as { code?: number }).code === 11000)).toHaveLength(19);
      expect(await Person.countDocuments({ email })).toBe(1);
    });

    it('when syncIndexes runs twice, then the second run changes nothing', async () => {
      const Item = connection.model('Item', new Schema({ sku: { type: String, unique: true }, at: { type: Date, expires: 60 } }));
      await Item.syncIndexes();

      const dropped = await Item.syncIndexes();

      expect(dropped).toEqual([]);
      expect((await Item.listIndexes()).map((i: { name: string }) => i.name).sort()).toEqual(['_id_', 'at_1', 'sku_1']);
    });
  });
});

describe('MongoDB test double: TTL indexes', () => {
  let mongo: TestMongo;
  let client: InstanceType<typeof MongoClient>;

  beforeAll(async () => {
    mongo = await startMongo({ args: ['--setParameter', 'ttlMonitorSleepSecs=1'] });
    client = await MongoClient.connect(mongo.uri);
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await mongo.stop();
  }, 60_000);

  it('when a document is past its expireAfterSeconds, then the TTL monitor removes it', async () => {
    const c = client.db('ttl').collection('sessions');
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
    await c.insertMany([
      { k: 'old', at: new Date(Date.now() - 60_000) },
      { k: 'fresh', at: new Date(Date.now() + 3_600_000) },
      { k: 'no-date' },
    ]);

    const deadline = Date.now() + 20_000;
    while ((await c.countDocuments({ k: 'old' })) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

    expect(
      (
        await c
          .find({}, { projection: { _id: 0, k: 1 } })
          .sort({ k: 1 })
          .toArray()
      ).map((d) => d.k),
    ).toEqual(['fresh', 'no-date']);
  });
});
