import { Timestamp } from 'bson';
import { useDatabase } from './helpers';

describe('MongoDB test double: cluster time, read and write concern', () => {
  const handle = useDatabase();

  // MongoDB manual, "Causal Consistency": replica-set members return operationTime and
  // $clusterTime in every reply.
  it('when a command runs on the replica set, then the reply has operationTime and $clusterTime', async () => {
    const reply = await handle.db.command({ insert: 'ct1', documents: [{ k: 1 }] });

    expect(reply.operationTime).toBeInstanceOf(Timestamp);
    expect(reply.$clusterTime.clusterTime).toBeInstanceOf(Timestamp);
  });

  it('when a write commits, then the next operationTime is later', async () => {
    const first = await handle.db.command({ insert: 'ct2', documents: [{ k: 1 }] });
    const second = await handle.db.command({ insert: 'ct2', documents: [{ k: 2 }] });

    expect((second.operationTime as Timestamp).compare(first.operationTime as Timestamp)).toBeGreaterThan(0);
  });

  // Driver causal consistency specification: a causally consistent session sends the
  // operationTime of its last operation as readConcern.afterClusterTime.
  it('when a causally consistent session reads after its write, then it sends afterClusterTime and reads the write', async () => {
    const client = await handle.newClient({ monitorCommands: true });
    const sent: Array<Record<string, unknown>> = [];
    client.on('commandStarted', (event) => {
      if (event.commandName === 'find') sent.push(event.command as Record<string, unknown>);
    });
    const session = client.startSession({ causalConsistency: true });
    const c = client.db(handle.name).collection('ct3');

    await c.insertOne({ _id: 'w' } as never, { session });
    const found = await c.findOne({ _id: 'w' } as never, { session });
    await session.endSession();

    expect(found).toEqual({ _id: 'w' });
    expect((sent[0].readConcern as { afterClusterTime?: unknown }).afterClusterTime).toBeInstanceOf(Timestamp);
  });

  // MongoDB manual, "Read Concern: afterClusterTime": a time later than the server's current
  // cluster time is refused.
  it('when afterClusterTime is in the future, then the read fails with InvalidOptions', async () => {
    const now = (await handle.db.command({ ping: 1 })).operationTime as Timestamp;
    const future = new Timestamp({ t: now.high + 1000, i: 1 });

    await expect(handle.db.command({ find: 'ct4', readConcern: { afterClusterTime: future } })).rejects.toMatchObject({ code: 72 });
  });

  // MongoDB manual, "Write Concern": w greater than the number of data-bearing members gives a
  // writeConcernError (UnsatisfiableWriteConcern, 100); the write itself is applied.
  it('when w is more than the members of the set, then the write applies and reports a writeConcernError', async () => {
    const error = await handle.db.command({ insert: 'wc1', documents: [{ k: 1 }], writeConcern: { w: 3 } }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'MongoWriteConcernError',
      result: { ok: 1, n: 1, writeConcernError: { code: 100, codeName: 'UnsatisfiableWriteConcern' } },
    });
    expect(await handle.db.collection('wc1').countDocuments()).toBe(1);
  });

  it('when w names an unknown tag set, then the reply has an UnknownReplWriteConcern writeConcernError', async () => {
    const error = await handle.db
      .collection('wc2')
      .insertOne({ k: 1 }, { writeConcern: { w: 'nowhere' as never } })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'MongoWriteConcernError', code: 79 });
  });

  it('when w is 1 or majority, then there is no writeConcernError', async () => {
    const reply = await handle.db.command({ insert: 'wc3', documents: [{ k: 1 }], writeConcern: { w: 'majority' } });

    expect(reply.writeConcernError).toBeUndefined();
  });

  // MongoDB manual, "Read Concern "snapshot"": outside transactions, find, aggregate and distinct
  // read the majority-committed data as of atClusterTime.
  it('when a find reads at an earlier atClusterTime, then it sees the document as it was then', async () => {
    const first = await handle.db.command({ insert: 'sn1', documents: [{ _id: 'd', v: 1 }] });
    await handle.db.collection('sn1').updateOne({ _id: 'd' } as never, { $set: { v: 2 } });

    const reply = await handle.db.command({
      find: 'sn1',
      filter: { _id: 'd' },
      readConcern: { level: 'snapshot', atClusterTime: first.operationTime },
    });

    expect(reply.cursor.firstBatch).toEqual([{ _id: 'd', v: 1 }]);
    expect(reply.cursor.atClusterTime).toBeInstanceOf(Timestamp);
  });

  // Same page: other commands outside transactions do not support snapshot read concern.
  it('when a write or listCollections carries snapshot read concern outside a transaction, then it is refused', async () => {
    await expect(handle.db.command({ insert: 'sn2', documents: [{ k: 1 }], readConcern: { level: 'snapshot' } })).rejects.toMatchObject({
      code: 72,
    });
    await expect(handle.db.command({ listCollections: 1, readConcern: { level: 'snapshot' } })).rejects.toMatchObject({ code: 72 });
  });
});
