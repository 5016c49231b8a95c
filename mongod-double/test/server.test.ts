import { useDatabase } from './helpers';

describe('MongoDB test double: server commands', () => {
  const handle = useDatabase();
  const admin = () => handle.client.db('admin');

  it('when a client says hello, then the server answers as the writable primary of its replica set', async () => {
    const hello = await admin().command({ hello: 1 });

    expect(hello).toMatchObject({ ok: 1, isWritablePrimary: true, logicalSessionTimeoutMinutes: 30, minWireVersion: 0 });
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(21);
    expect(typeof hello.setName).toBe('string');
    expect(hello.hosts).toContain(hello.me);
    expect(hello.primary).toBe(hello.me);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.maxMessageSizeBytes).toBe(48_000_000);
    expect(hello.maxWriteBatchSize).toBe(100_000);
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(typeof hello.connectionId).toBe('number');
  });

  it('when the legacy isMaster is sent, then the answer uses ismaster', async () => {
    expect(await admin().command({ isMaster: 1 })).toMatchObject({ ok: 1, ismaster: true });
  });

  it('when ping, buildInfo, serverStatus and getParameter are sent, then each answers ok', async () => {
    expect(await admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect((await admin().command({ buildInfo: 1 })).version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await admin().command({ serverStatus: 1 })).connections.current).toBeGreaterThan(0);
    expect(await admin().command({ getParameter: 1, featureCompatibilityVersion: 1 })).toMatchObject({
      ok: 1,
      featureCompatibilityVersion: { version: expect.any(String) },
    });
  });

  it('when commands run, then serverStatus counts each by name, with the failed ones apart', async () => {
    const counts = async (name: string): Promise<{ total: number; failed: number }> => {
      const entry = (await admin().command({ serverStatus: 1 })).metrics.commands[name] as { total: unknown; failed: unknown } | undefined;
      return { total: Number(entry?.total ?? 0), failed: Number(entry?.failed ?? 0) };
    };
    const collection = handle.client.db('counts').collection<{ _id: number }>('things');
    const before = { insert: await counts('insert'), find: await counts('find') };

    await collection.insertOne({ _id: 1 });
    await collection.insertOne({ _id: 2 });
    await expect(collection.insertOne({ _id: 1 })).rejects.toThrow(/duplicate key/);
    await collection.findOne({ _id: 2 });

    // A duplicate key is a write error inside an ok reply, as on a real mongod: not a failed command.
    expect(await counts('insert')).toEqual({ total: before.insert.total + 3, failed: before.insert.failed });
    expect(await counts('find')).toEqual({ total: before.find.total + 1, failed: before.find.failed });

    await expect(handle.client.db('counts').command({ find: 'things', filter: 'not a document' })).rejects.toThrow();
    expect(await counts('find')).toEqual({ total: before.find.total + 2, failed: before.find.failed + 1 });
  });

  it('when commands run on a collection, then top counts them against its namespace by kind, and a drop clears them', async () => {
    const collection = handle.db.collection<{ _id: number; n?: number }>('top_things');
    const namespace = `${handle.name}.top_things`;
    type Usage = Record<string, { count: number; time: number }>;
    const usage = async (): Promise<Usage | undefined> => (await admin().command({ top: 1 })).totals[namespace] as Usage | undefined;

    await collection.insertOne({ _id: 1 });
    await collection.insertOne({ _id: 2 });
    await collection.findOne({ _id: 1 });
    await collection.updateOne({ _id: 1 }, { $set: { n: 1 } });
    await collection.findOneAndUpdate({ _id: 2 }, { $set: { n: 2 } });
    await collection.deleteOne({ _id: 2 });
    const counted = await usage();

    expect(counted).toBeDefined();
    const count = (kind: string) => counted?.[kind]?.count;
    expect([count('insert'), count('queries'), count('update'), count('remove'), count('commands')]).toEqual([2, 1, 1, 1, 1]);
    expect(count('total')).toBe(6);
    expect((count('readLock') ?? 0) + (count('writeLock') ?? 0)).toBe(6);
    expect(count('writeLock')).toBeGreaterThanOrEqual(5);
    expect(counted?.total.time).toBeGreaterThanOrEqual(0);

    await collection.drop();
    expect(await usage()).toBeUndefined();
  });

  it('when the replica set is asked for its status and config, then it reports one primary member', async () => {
    const status = await admin().command({ replSetGetStatus: 1 });
    const { config } = await admin().command({ replSetGetConfig: 1 });

    expect(status.members).toEqual([expect.objectContaining({ stateStr: 'PRIMARY', self: true })]);
    expect(config._id).toBe(status.set);
    expect(config.members).toHaveLength(1);
  });

  it('when a command is unknown, then it fails with CommandNotFound (59)', async () => {
    await expect(handle.db.command({ noSuchCommand: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });

  it('when a collection is created twice, then the second create fails with NamespaceExists (48)', async () => {
    await handle.db.createCollection('twice');

    await expect(handle.db.createCollection('twice')).rejects.toMatchObject({ code: 48, codeName: 'NamespaceExists' });
  });

  it('when collections are created and dropped, then listCollections follows', async () => {
    await handle.db.createCollection('listed');
    await handle.db.collection('implicit').insertOne({ a: 1 });

    const names = (await handle.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    await handle.db.dropCollection('listed');
    const filtered = await handle.db.listCollections({ name: 'listed' }).toArray();

    expect(names).toEqual(expect.arrayContaining(['listed', 'implicit']));
    expect(filtered).toEqual([]);
  });

  it('when databases hold data, then listDatabases shows them until dropDatabase removes one', async () => {
    const other = handle.client.db(`${handle.name}-extra`);
    await other.collection('c').insertOne({ a: 1 });

    const before = (await admin().command({ listDatabases: 1, nameOnly: true })).databases.map((d: { name: string }) => d.name);
    await other.dropDatabase();
    const after = (await admin().command({ listDatabases: 1, nameOnly: true })).databases.map((d: { name: string }) => d.name);

    expect(before).toContain(`${handle.name}-extra`);
    expect(after).not.toContain(`${handle.name}-extra`);
  });

  it('when count runs inside a transaction, then the server refuses it as mongod does', async () => {
    const session = handle.client.startSession();
    try {
      session.startTransaction();
      await expect(handle.db.command({ count: 'c' }, { session })).rejects.toMatchObject({ code: 263 });
    } finally {
      await session.endSession();
    }
  });

  it('when a session with an open transaction is killed, then its transaction is aborted', async () => {
    const session = handle.client.startSession();
    try {
      session.startTransaction();
      await handle.db.collection('killed').insertOne({ k: 1 }, { session });

      expect(await admin().command({ killSessions: [session.id] })).toMatchObject({ ok: 1 });

      await expect(session.commitTransaction()).rejects.toMatchObject({ code: 251 });
      expect(await handle.db.collection('killed').countDocuments()).toBe(0);
    } finally {
      await session.endSession();
    }
  });
});
