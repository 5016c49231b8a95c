import { useDatabase } from './helpers';

describe('MongoDB test double: let, $out, $merge, filter errors, $listLocalSessions', () => {
  const handle = useDatabase();
  let seq = 0;
  const fresh = async (docs: Array<Record<string, unknown>>) => {
    const c = handle.db.collection(`pl${++seq}`);
    if (docs.length > 0) await c.insertMany(docs);
    return c;
  };

  // MongoDB manual, "find" command, let: variables usable as $$name in the filter's $expr.
  it('when find has let variables, then $expr in the filter reads them', async () => {
    const c = await fresh([{ v: 1 }, { v: 2 }, { v: 3 }]);

    const found = await c.find({ $expr: { $gte: ['$v', '$$min'] } }, { let: { min: 2 } }).toArray();

    expect(found.map((d) => d.v)).toEqual([2, 3]);
  });

  it('when $expr sits inside $or, $and or $nor, then it is evaluated there too', async () => {
    const c = await fresh([
      { v: 1, w: 5, items: [{ a: 1, b: 2 }] },
      { v: 4, w: 2, items: [{ a: 3, b: 1 }] },
      { v: 9, w: 9, items: [] },
    ]);

    const either = await c.find({ $or: [{ $expr: { $gt: ['$v', '$w'] } }, { v: 9 }] }, { let: {} }).toArray();
    const nested = await c
      .find({ $and: [{ v: { $lt: 5 } }, { $nor: [{ $expr: { $lt: ['$v', '$$floor'] } }] }] }, { let: { floor: 2 } })
      .toArray();

    expect(either.map((d) => d.v)).toEqual([4, 9]);
    expect(nested.map((d) => d.v)).toEqual([4]);
  });

  it('when aggregate has let variables, then its stages read them', async () => {
    const c = await fresh([{ v: 1 }, { v: 2 }]);

    const out = await c.aggregate([{ $project: { _id: 0, w: { $multiply: ['$v', '$$factor'] } } }], { let: { factor: 10 } }).toArray();

    expect(out).toEqual([{ w: 10 }, { w: 20 }]);
  });

  it('when update, delete and findAndModify have let variables, then their filters and pipelines read them', async () => {
    const c = await fresh([
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
      { _id: 3, v: 3 },
    ] as never);

    await c.updateMany({ $expr: { $eq: ['$v', '$$target'] } }, [{ $set: { tag: '$$label' } }], { let: { target: 1, label: 'one' } });
    await c.deleteOne({ $expr: { $eq: ['$v', '$$gone'] } }, { let: { gone: 2 } });
    const found = await c.findOneAndUpdate(
      { $expr: { $eq: ['$v', '$$pick'] } },
      { $set: { picked: true } },
      { let: { pick: 3 }, returnDocument: 'after' },
    );

    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 1, tag: 'one' },
      { _id: 3, v: 3, picked: true },
    ]);
    expect(found).toEqual({ _id: 3, v: 3, picked: true });
  });

  // MongoDB manual, "$divide": dividing by zero is an error; mongod reports it as a user error
  // (BadValue, 2), not InternalError.
  it('when evaluating a filter fails, then the error is BadValue, not InternalError', async () => {
    const c = await fresh([{ v: 1 }]);

    await expect(c.find({ $expr: { $eq: [{ $divide: ['$v', 0] }, 1] } }).toArray()).rejects.toMatchObject({ code: 2 });
  });

  // MongoDB manual, "$out": replaces the target collection with the pipeline's results.
  it('when a pipeline ends with $out, then the target holds exactly its results', async () => {
    const source = await fresh([{ v: 1 }, { v: 2 }, { v: 3 }]);
    const target = await fresh([{ old: true }]);

    await source.aggregate([{ $match: { v: { $gte: 2 } } }, { $project: { _id: 0, v: 1 } }, { $out: target.collectionName }]).toArray();

    expect(
      await target
        .find({}, { projection: { _id: 0 } })
        .sort({ v: 1 })
        .toArray(),
    ).toEqual([{ v: 2 }, { v: 3 }]);
  });

  // MongoDB manual, "$merge": whenMatched merge, whenNotMatched insert (the defaults), on _id.
  it('when a pipeline ends with $merge, then matching documents are merged and others inserted', async () => {
    const target = await fresh([
      { _id: 1, a: 'keep', b: 'old' },
      { _id: 9, untouched: true },
    ] as never);
    const source = await fresh([
      { _id: 1, b: 'new' },
      { _id: 2, b: 'added' },
    ] as never);

    await source.aggregate([{ $merge: { into: target.collectionName } }]).toArray();

    expect(await target.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, a: 'keep', b: 'new' },
      { _id: 2, b: 'added' },
      { _id: 9, untouched: true },
    ]);
  });

  // MongoDB manual, "$listLocalSessions": lists the sessions cached on this mongod.
  it('when $listLocalSessions runs on admin, then it lists a session this client used', async () => {
    const session = handle.client.startSession();
    await handle.db.collection('pl-s').findOne({}, { session });
    const id = session.id?.id;

    const listed = await handle.client
      .db('admin')
      .aggregate([{ $listLocalSessions: { allUsers: true } }])
      .toArray();
    await session.endSession();

    expect(
      listed.some(
        (s) => id !== undefined && Buffer.from((s._id as { id: { buffer: Uint8Array } }).id.buffer).equals(Buffer.from(id.buffer)),
      ),
    ).toBe(true);
  });
});
