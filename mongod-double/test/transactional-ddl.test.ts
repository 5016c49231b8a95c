import { useDatabase } from './helpers';

// MongoDB manual, "Transactions and Operations" / "Create Collections and Indexes in a
// Transaction" (4.4+): collections and indexes created in a transaction are not visible outside it
// until it commits; if it aborts they are not created.
describe('MongoDB test double: DDL inside transactions', () => {
  const handle = useDatabase();
  let seq = 0;
  const names = async (): Promise<string[]> => (await handle.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);

  it('when a transaction creates a collection, then others see it only after the commit', async () => {
    const name = `ddl${++seq}`;
    const session = handle.client.startSession();
    session.startTransaction();
    await handle.db.createCollection(name, { session });

    const during = await names();
    await session.commitTransaction();
    await session.endSession();

    expect(during).not.toContain(name);
    expect(await names()).toContain(name);
  });

  it('when an insert creates a collection implicitly in a transaction that aborts, then no collection is left', async () => {
    const name = `ddl${++seq}`;
    const session = handle.client.startSession();
    session.startTransaction();
    await handle.db.collection(name).insertOne({ k: 1 }, { session });

    const during = await names();
    await session.abortTransaction();
    await session.endSession();

    expect(during).not.toContain(name);
    expect(await names()).not.toContain(name);
  });

  it('when a transaction creates a collection and a unique index, then both appear at commit and the index holds', async () => {
    const name = `ddl${++seq}`;
    const session = handle.client.startSession();
    session.startTransaction();
    await handle.db.createCollection(name, { session });
    await handle.db.collection(name).createIndex({ email: 1 }, { unique: true, session });
    await handle.db.collection(name).insertOne({ email: 'a@x.io' }, { session });
    await session.commitTransaction();
    await session.endSession();

    await expect(handle.db.collection(name).insertOne({ email: 'a@x.io' })).rejects.toMatchObject({ code: 11000 });
  });

  // Same manual page: indexes may be created in a transaction only on a collection created in it.
  it('when a transaction creates an index on an existing collection, then it fails with OperationNotSupportedInTransaction', async () => {
    const name = `ddl${++seq}`;
    await handle.db.createCollection(name);
    const session = handle.client.startSession();
    session.startTransaction();

    const error = await handle.db
      .collection(name)
      .createIndex({ k: 1 }, { session })
      .catch((e: unknown) => e);
    await session.abortTransaction().catch(() => undefined);
    await session.endSession();

    expect(error).toMatchObject({ code: 263 });
  });
});
