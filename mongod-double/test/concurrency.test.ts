import { Long, UUID } from 'bson';
import { WireClient, useDatabase } from './helpers';

describe('MongoDB test double: concurrent clients and retryable writes', () => {
  const handle = useDatabase();

  it('when five separate clients insert and increment at once, then no write is lost', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => handle.newClient()));
    const counter = handle.db.collection('counter');
    await counter.insertOne({ _id: 'c', n: 0 } as never);

    await Promise.all(
      clients.map(async (client, i) => {
        const db = client.db(handle.name);
        for (let j = 0; j < 40; j++) {
          await Promise.all([
            db.collection('items').insertOne({ client: i, j }),
            db.collection('counter').updateOne({ _id: 'c' } as never, { $inc: { n: 1 } }),
          ]);
        }
      }),
    );

    expect(await handle.db.collection('items').countDocuments()).toBe(200);
    expect(await counter.findOne({ _id: 'c' } as never)).toEqual({ _id: 'c', n: 200 });
  });

  it('when a client runs transactions concurrently with withTransaction, then every increment lands once', async () => {
    const clients = await Promise.all(Array.from({ length: 3 }, () => handle.newClient()));
    await handle.db.collection('txcounter').insertOne({ _id: 'c', n: 0 } as never);

    await Promise.all(
      clients.map(async (client) => {
        const c = client.db(handle.name).collection('txcounter');
        for (let j = 0; j < 10; j++) {
          const session = client.startSession();
          try {
            await session.withTransaction(async () => {
              const doc = await c.findOne({ _id: 'c' } as never, { session });
              await c.updateOne({ _id: 'c' } as never, { $set: { n: (doc?.n as number) + 1 } }, { session });
            });
          } finally {
            await session.endSession();
          }
        }
      }),
    );

    expect(await handle.db.collection('txcounter').findOne({ _id: 'c' } as never)).toEqual({ _id: 'c', n: 30 });
  });

  describe('retryable writes', () => {
    let wire: WireClient;
    beforeAll(async () => {
      wire = await WireClient.connect(handle.serverUri);
    });
    afterAll(() => wire.close());

    it('when the same retryable write (lsid, txnNumber) arrives twice, then it is applied once and both replies agree', async () => {
      const lsid = { id: new UUID() };
      const insert = { insert: 'retry', documents: [{ k: 'once' }], lsid, txnNumber: Long.fromNumber(1) };
      const update = { update: 'retry', updates: [{ q: { k: 'once' }, u: { $inc: { n: 1 } } }], lsid, txnNumber: Long.fromNumber(2) };

      const first = await wire.command(handle.name, insert);
      const again = await wire.command(handle.name, insert);
      const firstUpdate = await wire.command(handle.name, update);
      const updateAgain = await wire.command(handle.name, update);

      // A real mongod adds bookkeeping fields (retriedStmtIds, $clusterTime) to replies: compare the results.
      expect(first).toMatchObject({ ok: 1, n: 1 });
      expect(again).toMatchObject({ ok: 1, n: 1 });
      expect(firstUpdate).toMatchObject({ ok: 1, n: 1, nModified: 1 });
      expect(updateAgain).toMatchObject({ ok: 1, n: 1, nModified: 1 });
      expect(
        await handle.db
          .collection('retry')
          .find({}, { projection: { _id: 0 } })
          .toArray(),
      ).toEqual([{ k: 'once', n: 1 }]);
    });

    it('when an older transaction number arrives after a newer one, then it is refused with TransactionTooOld', async () => {
      const lsid = { id: new UUID() };
      await wire.command(handle.name, { insert: 'retry-old', documents: [{ k: 1 }], lsid, txnNumber: Long.fromNumber(5) });

      const stale = await wire.command(handle.name, { insert: 'retry-old', documents: [{ k: 2 }], lsid, txnNumber: Long.fromNumber(4) });

      expect(stale).toMatchObject({ ok: 0, code: 225 });
      expect(await handle.db.collection('retry-old').countDocuments()).toBe(1);
    });

    it('when a write is sent with moreToCome, then it is applied without a reply and the next reply answers the next request', async () => {
      wire.sendWithoutReply(handle.name, { insert: 'unacknowledged', documents: [{ k: 'w0' }], writeConcern: { w: 0 } });

      const reply = await wire.command(handle.name, { find: 'unacknowledged', filter: {} });

      expect(reply).toMatchObject({ ok: 1, cursor: { firstBatch: [expect.objectContaining({ k: 'w0' })] } });
    });
  });
});
