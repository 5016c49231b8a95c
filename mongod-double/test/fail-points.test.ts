import { randomBytes } from 'node:crypto';
import { useDatabase, type Client } from './helpers';

describe('MongoDB test double: failCommand fail point', () => {
  const handle = useDatabase();
  // Each test scopes its fail point to its own client's appName, so other suites sharing the server
  // are never affected.
  // The driver (6.x) leaves a server-selection timer of serverSelectionTimeoutMS running after a retry
  // (it would keep Jest alive for 30 s), so these clients use a short one.
  const appClient = async (options: { retryWrites?: boolean; retryReads?: boolean } = {}): Promise<{ client: Client; appName: string }> => {
    const appName = `fp-${randomBytes(4).toString('hex')}`;
    return { client: await handle.newClient({ appName, serverSelectionTimeoutMS: 1500, ...options }), appName };
  };
  const configure = (command: Record<string, unknown>) =>
    handle.client.db('admin').command({ configureFailPoint: 'failCommand', ...command });

  afterEach(async () => {
    await configure({ mode: 'off' });
  });

  it('when a command is set to fail with an error code, then it fails with that code and labels', async () => {
    const { client, appName } = await appClient({ retryReads: false });
    await configure({ mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 2, errorLabels: ['SomeLabel'], appName } });
    const c = client.db(handle.name).collection('fp1');

    const error = await c.findOne({}).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 2, errorLabels: ['SomeLabel'] });
    await expect(c.findOne({})).resolves.toBeNull();
  });

  it('when a retryable write fails with a retryable code, then the driver retries and the write happens once', async () => {
    const { client, appName } = await appClient();
    await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], errorCode: 91, appName } });
    const c = client.db(handle.name).collection('fp2');

    await c.insertOne({ k: 'once' });

    expect(await c.countDocuments({ k: 'once' })).toBe(1);
  });

  it('when the connection is to be closed, then the command fails with a network error without retries', async () => {
    const { client, appName } = await appClient({ retryWrites: false });
    await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], closeConnection: true, appName } });
    const c = client.db(handle.name).collection('fp3');

    await expect(c.insertOne({ k: 'closed' })).rejects.toMatchObject({ name: 'MongoNetworkError' });
    expect(await c.countDocuments({ k: 'closed' })).toBe(0);
  });

  it('when the connection is closed on a retryable write, then the driver retries it on a new connection', async () => {
    const { client, appName } = await appClient();
    await configure({ mode: { times: 1 }, data: { failCommands: ['insert'], closeConnection: true, appName } });
    const c = client.db(handle.name).collection('fp4');

    await c.insertOne({ k: 'retried' });

    expect(await c.countDocuments({ k: 'retried' })).toBe(1);
  });

  it('when a fail point is alwaysOn, then it fails every time until it is turned off', async () => {
    const { client, appName } = await appClient({ retryReads: false });
    await configure({ mode: 'alwaysOn', data: { failCommands: ['count'], errorCode: 8, appName } });
    const c = client.db(handle.name).collection('fp5');

    await expect(c.estimatedDocumentCount()).rejects.toMatchObject({ code: 8 });
    await expect(c.estimatedDocumentCount()).rejects.toMatchObject({ code: 8 });
    await configure({ mode: 'off' });
    await expect(c.estimatedDocumentCount()).resolves.toBe(0);
  });

  it('when a fail point blocks a connection, then the command still completes afterwards', async () => {
    const { client, appName } = await appClient();
    await configure({ mode: { times: 1 }, data: { failCommands: ['ping'], blockConnection: true, blockTimeMS: 50, appName } });

    await expect(client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  it('when the fail point names another appName, then this client is not affected', async () => {
    const { client } = await appClient({ retryReads: false });
    await configure({ mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 2, appName: 'someone-else' } });

    await expect(client.db(handle.name).collection('fp6').findOne({})).resolves.toBeNull();
  });
});
