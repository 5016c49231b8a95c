import { randomBytes } from 'node:crypto';
import { useDatabase, type Client } from './helpers';

describe('MongoDB test double: error labels and code names', () => {
  const handle = useDatabase();
  const appClient = async (): Promise<{ client: Client; appName: string }> => {
    const appName = `el-${randomBytes(4).toString('hex')}`;
    return { client: await handle.newClient({ appName, serverSelectionTimeoutMS: 1500 }), appName };
  };
  const configure = (command: Record<string, unknown>) =>
    handle.client.db('admin').command({ configureFailPoint: 'failCommand', ...command });
  const configureWrite = (command: Record<string, unknown>) =>
    handle.client.db('admin').command({ configureFailPoint: 'onPrimaryTransactionalWrite', ...command });

  afterEach(async () => {
    await configure({ mode: 'off' });
    await configureWrite({ mode: 'off' });
  });

  // mongod's error_labels.cpp (isTransientTransactionError): WriteConflict, LockTimeout,
  // PreparedTransactionInProgress and snapshot errors inside a transaction are labelled
  // TransientTransactionError, also when failCommand injects them without errorLabels.
  it.each([
    [112, 'WriteConflict'],
    [24, 'LockTimeout'],
    [246, 'SnapshotUnavailable'],
    [267, 'PreparedTransactionInProgress'],
  ])(
    'when failCommand injects %i inside a transaction, then it carries its code name and TransientTransactionError',
    async (code, name) => {
      const { client, appName } = await appClient();
      const c = client.db(handle.name).collection(`el-${code}`);
      await c.insertOne({ _id: 'seed' } as never);
      await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: code, appName } });
      const session = client.startSession();
      session.startTransaction();

      const error = await c.insertOne({ k: 1 }, { session }).catch((e: unknown) => e);
      await session.abortTransaction();
      await session.endSession();

      expect(error).toMatchObject({ code, codeName: name });
      expect((error as { errorLabels?: string[] }).errorLabels).toContain('TransientTransactionError');
    },
  );

  // Same source: UnknownError (8) and WriteConcernFailed (64) are not transient; they keep their names.
  it.each([
    [8, 'UnknownError'],
    [64, 'WriteConcernFailed'],
  ])('when failCommand injects %i inside a transaction, then it has its code name and no TransientTransactionError', async (code, name) => {
    const { client, appName } = await appClient();
    const c = client.db(handle.name).collection(`el-${code}`);
    await c.insertOne({ _id: 'seed' } as never);
    await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: code, appName } });
    const session = client.startSession();
    session.startTransaction();

    const error = await c.insertOne({ k: 1 }, { session }).catch((e: unknown) => e);
    await session.abortTransaction();
    await session.endSession();

    expect(error).toMatchObject({ code, codeName: name });
    expect((error as { errorLabels?: string[] }).errorLabels ?? []).not.toContain('TransientTransactionError');
  });

  // Driver transactions specification, withTransaction: a TransientTransactionError retries the
  // whole callback.
  it('when an injected WriteConflict fails the first attempt, then withTransaction retries and commits once', async () => {
    const { client, appName } = await appClient();
    const c = client.db(handle.name).collection('el-retry');
    await c.insertOne({ _id: 'seed' } as never);
    await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: 112, appName } });
    const session = client.startSession();
    let attempts = 0;

    await session.withTransaction(async () => {
      attempts += 1;
      await c.insertOne({ k: 'tx' }, { session });
    });
    await session.endSession();

    expect(attempts).toBe(2);
    expect(await c.countDocuments({ k: 'tx' })).toBe(1);
  });

  // MongoDB manual, "failCommand" / server fail point docs: errorLabels given in data replace the
  // labels the server would add, also when only a writeConcernError is injected.
  it('when failCommand injects only a writeConcernError with errorLabels, then the reply keeps those labels', async () => {
    const { client, appName } = await appClient();
    await configure({
      mode: { times: 1 },
      data: { failCommands: ['insert'], writeConcernError: { code: 91, errmsg: 'shutting down' }, errorLabels: ['CustomLabel'], appName },
    });

    const error = await client
      .db(handle.name)
      .command({ insert: 'el-wce', documents: [{ k: 1 }] })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'MongoWriteConcernError', result: { ok: 1, n: 1, writeConcernError: { code: 91 } } });
    expect((error as { errorLabels: string[] }).errorLabels).toContain('CustomLabel');
  });

  // Retryable writes specification: a writeConcernError with a retryable code on a retryable write
  // is labelled RetryableWriteError by the server, and the driver retries it.
  it('when a retryable write gets a retryable writeConcernError, then the driver retries it and the document exists once', async () => {
    const { client, appName } = await appClient();
    await configure({
      mode: { times: 1 },
      data: { failCommands: ['insert'], writeConcernError: { code: 91, errmsg: 'shutting down' }, appName },
    });
    const c = client.db(handle.name).collection('el-wce-retry');

    await c.insertOne({ _id: 'once' } as never);

    expect(await c.countDocuments({ _id: 'once' } as never)).toBe(1);
  });

  // Retryable writes specification, "onPrimaryTransactionalWrite": the write is applied, the
  // connection closes, the driver retries with the same txnNumber and the server answers from its
  // record: applied exactly once.
  it('when onPrimaryTransactionalWrite closes the connection after an $inc, then the retry applies it once', async () => {
    const { client } = await appClient();
    const c = client.db(handle.name).collection('el-once');
    await c.insertOne({ _id: 'n', n: 0 } as never);
    await configureWrite({ mode: { times: 1 }, data: { closeConnection: true } });

    const result = await c.updateOne({ _id: 'n' } as never, { $inc: { n: 1 } });

    expect(result.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 'n' } as never)).toEqual({ _id: 'n', n: 1 });
  });

  it('when onPrimaryTransactionalWrite fails before commit with a retryable code, then the retry applies the write once', async () => {
    const { client } = await appClient();
    const c = client.db(handle.name).collection('el-before');
    await configureWrite({ mode: { times: 1 }, data: { failBeforeCommitExceptionCode: 91 } });

    await c.insertOne({ _id: 'x' } as never);

    expect(await c.countDocuments()).toBe(1);
  });
});
