import { startMongo, type TestMongo } from '../src/launch';
import { Long, UUID } from 'bson';
import { MongoClient, WireClient, randomEmail, useDatabase, type Client } from './helpers';

type Session = ReturnType<Client['startSession']>;

describe('MongoDB test double: transactions', () => {
  const handle = useDatabase();
  let seq = 0;
  let other: Client;
  const sessions: Session[] = [];

  beforeAll(async () => {
    other = await handle.newClient();
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) {
      if (session.inTransaction()) await session.abortTransaction();
      await session.endSession();
    }
  });

  const fresh = async () => {
    const name = `tx${++seq}`;
    await handle.db.createCollection(name);
    return { mine: handle.db.collection(name), theirs: other.db(handle.name).collection(name) };
  };
  const session = (client: Client = handle.client) => {
    const s = client.startSession();
    sessions.push(s);
    return s;
  };

  it('when a transaction commits, then all its writes become visible together', async () => {
    const { mine, theirs } = await fresh();
    const s = session();

    s.startTransaction();
    await mine.insertOne({ _id: 'a' } as never, { session: s });
    await mine.insertOne({ _id: 'b' } as never, { session: s });
    const outsideBefore = await theirs.countDocuments();
    await s.commitTransaction();

    expect(outsideBefore).toBe(0);
    expect(await theirs.countDocuments()).toBe(2);
  });

  it('when a transaction aborts, then none of its writes remain', async () => {
    const { mine } = await fresh();
    await mine.insertOne({ _id: 'keep', v: 1 } as never);
    const s = session();

    s.startTransaction();
    await mine.insertOne({ _id: 'new' } as never, { session: s });
    await mine.updateOne({ _id: 'keep' } as never, { $set: { v: 2 } }, { session: s });
    await mine.deleteOne({ _id: 'keep' } as never, { session: s });
    await s.abortTransaction();

    expect(await mine.find().toArray()).toEqual([{ _id: 'keep', v: 1 }]);
  });

  it('when a transaction reads after writing, then it sees its own writes and others do not', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'd', v: 1 } as never);
    const s = session();

    s.startTransaction();
    await mine.updateOne({ _id: 'd' } as never, { $set: { v: 2 } }, { session: s });
    await mine.insertOne({ _id: 'e', v: 3 } as never, { session: s });

    expect(await mine.find({}, { session: s }).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'd', v: 2 },
      { _id: 'e', v: 3 },
    ]);
    expect(await theirs.find().toArray()).toEqual([{ _id: 'd', v: 1 }]);
    await s.commitTransaction();
  });

  it('when others commit after a transaction started, then the transaction keeps reading its snapshot', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'snap', v: 1 } as never);
    const s = session();

    s.startTransaction();
    expect(await mine.findOne({ _id: 'snap' } as never, { session: s })).toEqual({ _id: 'snap', v: 1 });
    await theirs.updateOne({ _id: 'snap' } as never, { $set: { v: 2 } });
    await theirs.insertOne({ _id: 'later' } as never);

    expect(await mine.find({}, { session: s }).toArray()).toEqual([{ _id: 'snap', v: 1 }]);
    await s.commitTransaction();
  });

  it('when two transactions write the same document, then the later writer gets WriteConflict with TransientTransactionError', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'w', v: 0 } as never);
    const first = session();
    const second = session(other);

    first.startTransaction();
    second.startTransaction();
    await mine.updateOne({ _id: 'w' } as never, { $inc: { v: 1 } }, { session: first });
    const error = await theirs.updateOne({ _id: 'w' } as never, { $inc: { v: 10 } }, { session: second }).catch((e: unknown) => e);
    await first.commitTransaction();

    expect(error).toMatchObject({ code: 112, codeName: 'WriteConflict' });
    expect((error as { hasErrorLabel(label: string): boolean }).hasErrorLabel('TransientTransactionError')).toBe(true);
    expect(await mine.findOne({ _id: 'w' } as never)).toEqual({ _id: 'w', v: 1 });
  });

  it('when a transaction writes a document someone committed after its snapshot, then it gets WriteConflict', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'late', v: 0 } as never);
    const s = session();

    s.startTransaction();
    await mine.findOne({ _id: 'late' } as never, { session: s });
    await theirs.updateOne({ _id: 'late' } as never, { $set: { v: 5 } });

    await expect(mine.updateOne({ _id: 'late' } as never, { $inc: { v: 1 } }, { session: s })).rejects.toMatchObject({ code: 112 });
    expect(await mine.findOne({ _id: 'late' } as never)).toEqual({ _id: 'late', v: 5 });
  });

  it('when withTransaction meets a WriteConflict, then it retries and the retry succeeds', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'retry', v: 0 } as never);
    const blocker = session(other);
    blocker.startTransaction();
    await theirs.updateOne({ _id: 'retry' } as never, { $inc: { v: 1 } }, { session: blocker });
    const s = session();
    let attempts = 0;

    await s.withTransaction(async () => {
      attempts += 1;
      if (attempts === 2) await blocker.commitTransaction();
      await mine.updateOne({ _id: 'retry' } as never, { $inc: { v: 10 } }, { session: s });
    });

    expect(attempts).toBe(2);
    expect(await mine.findOne({ _id: 'retry' } as never)).toEqual({ _id: 'retry', v: 11 });
  });

  it('when a plain write meets a document an open transaction wrote, then it waits and is applied after the commit', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'wait', v: 1 } as never);
    const s = session();
    s.startTransaction();
    await mine.updateOne({ _id: 'wait' } as never, { $set: { v: 2, by: 'txn' } }, { session: s });

    let settled = false;
    const plain = theirs.updateOne({ _id: 'wait' } as never, { $inc: { v: 10 } }).finally(() => {
      settled = true;
    });
    // Give the plain write time to reach the server; it must still be waiting.
    await theirs.findOne({ _id: 'wait' } as never);
    expect(settled).toBe(false);
    expect(await theirs.findOne({ _id: 'wait' } as never)).toEqual({ _id: 'wait', v: 1 });
    await s.commitTransaction();
    const result = await plain;

    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await mine.findOne({ _id: 'wait' } as never)).toEqual({ _id: 'wait', v: 12, by: 'txn' });
  });

  it('when a plain write waits on a transaction that aborts, then it is applied to the old state', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertOne({ _id: 'wait2', v: 1 } as never);
    const s = session();
    s.startTransaction();
    await mine.updateOne({ _id: 'wait2' } as never, { $set: { v: 100 } }, { session: s });

    const plain = theirs.updateOne({ _id: 'wait2' } as never, { $inc: { v: 10 } });
    await theirs.findOne({ _id: 'wait2' } as never);
    await s.abortTransaction();

    expect(await plain).toMatchObject({ modifiedCount: 1 });
    expect(await mine.findOne({ _id: 'wait2' } as never)).toEqual({ _id: 'wait2', v: 11 });
  });

  it('when a transaction inserts a unique key another open transaction inserted, then it gets WriteConflict', async () => {
    const { mine, theirs } = await fresh();
    await mine.createIndex({ email: 1 }, { unique: true });
    const email = randomEmail();
    const first = session();
    const second = session(other);

    first.startTransaction();
    second.startTransaction();
    await mine.insertOne({ email }, { session: first });

    await expect(theirs.insertOne({ email }, { session: second })).rejects.toMatchObject({ code: 112 });
    await first.commitTransaction();
    expect(await mine.countDocuments({ email })).toBe(1);
  });

  it('when a plain insert meets a unique key of an open transaction, then it waits and then fails with 11000 after the commit', async () => {
    const { mine, theirs } = await fresh();
    await mine.createIndex({ email: 1 }, { unique: true });
    const email = randomEmail();
    const s = session();
    s.startTransaction();
    await mine.insertOne({ email, by: 'txn' }, { session: s });

    const plain = theirs.insertOne({ email, by: 'plain' }).catch((e: unknown) => e);
    await theirs.countDocuments();
    await s.commitTransaction();

    expect(await plain).toMatchObject({ code: 11000 });
    expect(await mine.find({ email }, { projection: { _id: 0 } }).toArray()).toEqual([{ email, by: 'txn' }]);
  });

  it('when unique keys collide inside one transaction, then the insert fails with 11000 and the transaction is aborted', async () => {
    const { mine } = await fresh();
    await mine.createIndex({ email: 1 }, { unique: true });
    const email = randomEmail();
    const s = session();

    s.startTransaction();
    await mine.insertOne({ email }, { session: s });
    await expect(mine.insertOne({ email }, { session: s })).rejects.toMatchObject({ code: 11000 });

    await expect(s.commitTransaction()).rejects.toMatchObject({ code: 251 });
    expect(await mine.countDocuments({ email })).toBe(0);
  });

  it('when commitTransaction is retried after success, then it succeeds again; after an abort, it fails with NoSuchTransaction', async () => {
    const { mine } = await fresh();
    const wire = await WireClient.connect(handle.serverUri);
    const lsid = { id: new UUID() };
    const txn = (n: number) => ({ lsid, txnNumber: Long.fromNumber(n), autocommit: false });
    try {
      await wire.command(handle.name, { insert: mine.collectionName, documents: [{ _id: 'c1' }], ...txn(1), startTransaction: true });
      const commit = await wire.command('admin', { commitTransaction: 1, ...txn(1) });
      const commitAgain = await wire.command('admin', { commitTransaction: 1, ...txn(1) });

      await wire.command(handle.name, { insert: mine.collectionName, documents: [{ _id: 'c2' }], ...txn(2), startTransaction: true });
      const abort = await wire.command('admin', { abortTransaction: 1, ...txn(2) });
      const commitAborted = await wire.command('admin', { commitTransaction: 1, ...txn(2) });

      expect(commit).toMatchObject({ ok: 1 });
      expect(commitAgain).toMatchObject({ ok: 1 });
      expect(abort).toMatchObject({ ok: 1 });
      expect(commitAborted).toMatchObject({ ok: 0, code: 251, codeName: 'NoSuchTransaction' });
      expect(await mine.find().toArray()).toEqual([{ _id: 'c1' }]);
    } finally {
      wire.close();
    }
  });

  it('when abortTransaction names a transaction that was never started, then it fails with NoSuchTransaction', async () => {
    const wire = await WireClient.connect(handle.serverUri);
    try {
      const reply = await wire.command('admin', {
        abortTransaction: 1,
        lsid: { id: new UUID() },
        txnNumber: Long.fromNumber(42),
        autocommit: false,
      });

      expect(reply).toMatchObject({ ok: 0, code: 251 });
    } finally {
      wire.close();
    }
  });

  it('when a statement names a transaction that was never started, then it fails with NoSuchTransaction and TransientTransactionError', async () => {
    const { mine } = await fresh();
    const wire = await WireClient.connect(handle.serverUri);
    try {
      const reply = await wire.command(handle.name, {
        find: mine.collectionName,
        filter: {},
        lsid: { id: new UUID() },
        txnNumber: Long.fromNumber(99),
        autocommit: false,
      });

      expect(reply).toMatchObject({ ok: 0, code: 251, errorLabels: expect.arrayContaining(['TransientTransactionError']) });
    } finally {
      wire.close();
    }
  });

  it('when a transaction reads through a cursor, then getMore stays in its snapshot', async () => {
    const { mine, theirs } = await fresh();
    await mine.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i, v: 'old' })) as never[]);
    const s = session();
    s.startTransaction();
    await mine.updateOne({ _id: 0 } as never, { $set: { v: 'mine' } }, { session: s });

    const cursor = mine.find({}, { session: s, batchSize: 5 }).sort({ _id: 1 });
    const first = await cursor.next();
    await theirs.updateMany({ _id: { $gt: 0 } } as never, { $set: { v: 'theirs' } });
    const rest = await cursor.toArray();

    expect(first).toEqual({ _id: 0, v: 'mine' });
    expect(rest).toHaveLength(29);
    expect(rest.every((d) => d.v === 'old')).toBe(true);
    await s.commitTransaction();
  });

  it('when an upsert and findOneAndUpdate run in a transaction, then both commit atomically', async () => {
    const { mine, theirs } = await fresh();
    const s = session();

    await s.withTransaction(async () => {
      await mine.updateOne({ k: 'up' }, { $set: { v: 1 } }, { upsert: true, session: s });
      await mine.findOneAndUpdate({ k: 'up' }, { $inc: { v: 1 } }, { session: s });
      expect(await theirs.countDocuments({ k: 'up' })).toBe(0);
    });

    expect(await theirs.findOne({ k: 'up' }, { projection: { _id: 0 } })).toEqual({ k: 'up', v: 2 });
  });
});

describe('MongoDB test double: transaction lifetime', () => {
  let mongo: TestMongo;
  let client: Client;

  beforeAll(async () => {
    mongo = await startMongo({ args: ['--setParameter', 'transactionLifetimeLimitSeconds=1'] });
    client = await MongoClient.connect(mongo.uri);
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await mongo.stop();
  }, 60_000);

  it('when a transaction stays open past its lifetime, then it is aborted and its locks are released', async () => {
    const c = client.db('life').collection('docs');
    await c.insertOne({ _id: 'x', v: 1 } as never);
    const s = client.startSession();
    s.startTransaction();
    await c.updateOne({ _id: 'x' } as never, { $set: { v: 2 } }, { session: s });

    // A plain write waits for the transaction, which the server aborts when its lifetime ends.
    await c.updateOne({ _id: 'x' } as never, { $inc: { v: 10 } });

    await expect(s.commitTransaction()).rejects.toMatchObject({ code: 251 });
    expect(await c.findOne({ _id: 'x' } as never)).toEqual({ _id: 'x', v: 11 });
    await s.endSession();
  });
});
