// replSetStepDown on its own server (a stepdown would disturb every other file on a shared one).
import { UUID } from 'bson';
import { startMongo, type TestMongo } from '../src/launch';
import { MongoClient, WireClient, type Client } from './helpers';

type CommandEvent = { commandName: string; failure?: { code?: number } };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('MongoDB test double: replSetStepDown', () => {
  let mongo: TestMongo;
  let client: Client;
  let wire: WireClient;
  const failed: CommandEvent[] = [];
  let seq = 0;

  beforeAll(async () => {
    mongo = await startMongo();
    client = await MongoClient.connect(mongo.uri, { monitorCommands: true });
    client.on('commandFailed', (event: CommandEvent) => failed.push(event));
    wire = await WireClient.connect(mongo.uri);
  }, 60_000);
  afterAll(async () => {
    wire?.close();
    await client?.close();
    await mongo?.stop();
  }, 60_000);

  const hello = () => wire.command('admin', { hello: 1 });
  const primaryAgain = () => until(hello, (reply) => reply.isWritablePrimary === true);
  const stepDown = (secs: number) => wire.command('admin', { replSetStepDown: secs, secondaryCatchUpPeriodSecs: 0 });
  const fresh = () => client.db('stepdown').collection(`c${++seq}`);

  it('when the primary steps down, then hello reports a secondary until it is re-elected with a newer electionId', async () => {
    const before = await hello();

    const reply = await stepDown(1);
    const during = await hello();
    const after = await primaryAgain();

    expect(reply.ok).toBe(1);
    expect(before).toMatchObject({ isWritablePrimary: true, secondary: false });
    expect(during).toMatchObject({ isWritablePrimary: false, secondary: true, setName: 'testset' });
    expect(during.primary).toBeUndefined();
    expect(after).toMatchObject({ isWritablePrimary: true, secondary: false });
    expect(String(after.electionId) > String(before.electionId)).toBe(true);
  });

  it('when stepped down, then writes fail with NotWritablePrimary and primary reads with NotPrimaryNoSecondaryOk', async () => {
    await client
      .db('stepdown')
      .collection('raw')
      .insertOne({ _id: 1 } as never);
    await stepDown(1);

    const write = await wire.command('stepdown', { insert: 'raw', documents: [{ _id: 2 }] });
    const retryableWrite = await wire.command('stepdown', {
      insert: 'raw',
      documents: [{ _id: 3 }],
      lsid: { id: new UUID() },
      txnNumber: 1,
    });
    const primaryRead = await wire.command('stepdown', { find: 'raw', filter: {} });
    const secondaryRead = await wire.command('stepdown', { find: 'raw', filter: {}, $readPreference: { mode: 'secondaryPreferred' } });
    await primaryAgain();

    expect(write).toMatchObject({ ok: 0, code: 10107, codeName: 'NotWritablePrimary' });
    expect(write.errorLabels).toBeUndefined();
    expect(retryableWrite).toMatchObject({ ok: 0, code: 10107, errorLabels: ['RetryableWriteError'] });
    expect(primaryRead).toMatchObject({ ok: 0, code: 13435, codeName: 'NotPrimaryNoSecondaryOk' });
    expect(secondaryRead).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 1 }] } });
  });

  it('when a retryable write is sent during a stepdown, then the driver retries it on the re-elected primary and it applies once', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'counter', n: 0 } as never);
    failed.length = 0;

    await stepDown(2);
    const result = await c.updateOne({ _id: 'counter' } as never, { $inc: { n: 1 } });
    const inserted = await c.insertOne({ _id: 'after' } as never);

    expect(result.modifiedCount).toBe(1);
    expect(inserted.acknowledged).toBe(true);
    expect(failed.filter((e) => e.commandName === 'update').map((e) => e.failure?.code)).toEqual([10107]);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 'after' }, { _id: 'counter', n: 1 }]);
  });

  it('when a stepdown aborts an open transaction, then withTransaction retries it and commits once', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'seed' } as never);
    const session = client.startSession();
    let attempts = 0;
    try {
      await session.withTransaction(async () => {
        attempts += 1;
        await c.insertOne({ _id: 'a' } as never, { session });
        if (attempts === 1) await stepDown(1);
        await c.insertOne({ _id: 'b' } as never, { session });
      });
    } finally {
      await session.endSession();
    }

    expect(attempts).toBe(2);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 'a' }, { _id: 'b' }, { _id: 'seed' }]);
  });

  it('when already stepped down, then another stepdown fails, and bad periods are refused', async () => {
    const tooShort = await wire.command('admin', { replSetStepDown: 1, secondaryCatchUpPeriodSecs: 5 });
    await stepDown(1);
    const again = await stepDown(1);
    await primaryAgain();

    expect(tooShort).toMatchObject({ ok: 0, code: 2 });
    expect(again).toMatchObject({ ok: 0, code: 10107 });
  });
});
