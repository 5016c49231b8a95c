import { Double, Int32, Long, ObjectId } from 'bson';
import type { mongo } from 'mongoose';
import { useDatabase } from './helpers';

/** Array operators on untyped collections (the driver's types only allow them on typed array fields). */
const update = (u: Record<string, unknown>): mongo.UpdateFilter<mongo.Document> => u as mongo.UpdateFilter<mongo.Document>;

describe('MongoDB test double: CRUD commands', () => {
  const handle = useDatabase();
  const coll = (name: string) => handle.db.collection(name);
  let seq = 0;
  const fresh = () => coll(`c${++seq}`);

  it('when ObjectIds are sorted or ranged, then they order by their bytes, with and without an index', async () => {
    const c = fresh();
    const hex = ['ff0000000000000000000000', '000000000000000000000001', '0100000000000000000000ff', '00ff00000000000000000000'];
    await c.insertMany(hex.map((h, i) => ({ _id: new ObjectId(h), ref: new ObjectId(h), i })));
    const ascending = [...hex].sort();

    const byId = await c.find({}).sort({ _id: 1 }).toArray();
    const byRef = await c.find({}).sort({ ref: -1 }).toArray();
    const above = await c
      .find({ _id: { $gt: new ObjectId(ascending[1]) } })
      .sort({ _id: 1 })
      .toArray();
    const refBelow = await c
      .find({ ref: { $lte: new ObjectId(ascending[2]) } })
      .sort({ ref: 1 })
      .toArray();

    expect(byId.map((d) => (d._id as ObjectId).toHexString())).toEqual(ascending);
    expect(byRef.map((d) => (d.ref as ObjectId).toHexString())).toEqual([...ascending].reverse());
    expect(above.map((d) => (d._id as ObjectId).toHexString())).toEqual(ascending.slice(2));
    expect(refBelow.map((d) => (d.ref as ObjectId).toHexString())).toEqual(ascending.slice(0, 3));
  });

  describe('count of a whole collection', () => {
    it("when a collection is counted whole, then the count is what the reader sees: not the deleted, not an open transaction's writes", async () => {
      const c = fresh();
      await c.insertMany(Array.from({ length: 30 }, (_, i) => ({ i })));
      await c.deleteMany({ i: { $lt: 10 } });
      expect(await c.estimatedDocumentCount()).toBe(20);
      expect(await handle.db.command({ count: c.collectionName, skip: 5, limit: 4 })).toMatchObject({ n: 4 });

      const session = handle.client.startSession();
      try {
        session.startTransaction();
        await c.insertOne({ i: 100 }, { session });
        await c.deleteOne({ i: 10 }, { session });
        // Outside the transaction its insert and delete are not seen yet.
        expect(await c.estimatedDocumentCount()).toBe(20);
        expect(await c.countDocuments({ i: { $gte: 10 } })).toBe(20);
        await session.commitTransaction();
      } finally {
        await session.endSession();
      }
      expect(await c.estimatedDocumentCount()).toBe(20);
      expect(await c.countDocuments({ i: 100 })).toBe(1);
    });
  });

  describe('insert and find', () => {
    it('when documents are inserted without _id, then each gets an ObjectId _id as its first field', async () => {
      const c = fresh();
      const result = await c.insertMany([{ a: 1 }, { a: 2 }]);

      const docs = await c.find().toArray();

      expect(result.insertedCount).toBe(2);
      expect(docs).toHaveLength(2);
      for (const doc of docs) {
        expect(doc._id).toBeInstanceOf(ObjectId);
        expect(Object.keys(doc)[0]).toBe('_id');
      }
    });

    it('when find has a filter, sort, skip, limit and projection, then it applies all of them', async () => {
      const c = fresh();
      await c.insertMany([5, 3, 9, 1, 7].map((n) => ({ n, tag: n % 2 ? 'odd' : 'even', extra: 'x' })));

      const docs = await c
        .find({ n: { $gte: 3 } }, { projection: { _id: 0, n: 1 } })
        .sort({ n: -1 })
        .skip(1)
        .limit(2)
        .toArray();

      expect(docs).toEqual([{ n: 7 }, { n: 5 }]);
    });

    it('when a projection excludes fields, then the rest of the document is returned', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'p', keep: 1, drop: 2, nested: { keep: 3, drop: 4 } } as never);

      const doc = await c.findOne({ _id: 'p' } as never, { projection: { drop: 0, 'nested.drop': 0 } });

      expect(doc).toEqual({ _id: 'p', keep: 1, nested: { keep: 3 } });
    });

    it('when a projection uses $slice, then the array is cut', async () => {
      const c = fresh();
      await c.insertOne({ _id: 's', items: [1, 2, 3, 4] } as never);

      const doc = await c.findOne({ _id: 's' } as never, { projection: { items: { $slice: 2 } } });

      expect(doc?.items).toEqual([1, 2]);
    });

    it('when an _id is inserted twice, then the second insert fails with E11000 on _id_', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'dup' } as never);

      await expect(c.insertOne({ _id: 'dup' } as never)).rejects.toMatchObject({
        code: 11000,
        keyPattern: { _id: 1 },
        keyValue: { _id: 'dup' },
        message: expect.stringMatching(/^E11000 duplicate key error collection: .+\.c\d+ index: _id_ dup key: \{ _id: "dup" \}$/),
      });
    });

    it('when an ordered insert hits a duplicate, then it stops there; unordered goes on', async () => {
      const ordered = fresh();
      await expect(ordered.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }] as never[], { ordered: true })).rejects.toMatchObject({
        code: 11000,
      });
      expect(await ordered.countDocuments()).toBe(1);

      const unordered = fresh();
      const error = await unordered
        .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }] as never[], { ordered: false })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 11000, writeErrors: [expect.objectContaining({ index: 1 })] });
      expect(await unordered.countDocuments()).toBe(2);
    });

    it('when numbers of different BSON types are equal, then a filter matches them all', async () => {
      const c = fresh();
      await c.insertMany([{ v: new Int32(5) }, { v: Long.fromNumber(5) }, { v: new Double(5) }, { v: 6 }]);

      expect(await c.countDocuments({ v: 5 })).toBe(3);
      expect(await c.countDocuments({ v: { $gt: new Long(4) } })).toBe(4);
    });
  });

  describe('update', () => {
    it('when update operators are applied, then the document changes accordingly', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'u', n: 1, tags: ['a'], gone: true, old: 'x', nested: { k: 1 } } as never);

      const result = await c.updateOne(
        { _id: 'u' } as never,
        update({
          $set: { 'nested.k': 2, 'nested.new': 'y' },
          $inc: { n: 2 },
          $push: { tags: { $each: ['b', 'c'] } },
          $unset: { gone: '' },
          $rename: { old: 'renamed' },
          $min: { low: 3 },
          $max: { high: 7 },
          $currentDate: { at: true },
        }),
      );
      const doc = await c.findOne({ _id: 'u' } as never);

      expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
      expect(doc).toMatchObject({ _id: 'u', n: 3, tags: ['a', 'b', 'c'], renamed: 'x', nested: { k: 2, new: 'y' }, low: 3, high: 7 });
      expect(doc).not.toHaveProperty('gone');
      expect(doc?.at).toBeInstanceOf(Date);
    });

    it('when $addToSet, $pull, $pullAll and $pop run, then the arrays change as sets and stacks', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'a', s: [1, 2], p: [1, 2, 3, 4, 5], q: [{ k: 1 }, { k: 2 }], r: [1, 2, 3] } as never);

      await c.updateOne(
        { _id: 'a' } as never,
        update({ $addToSet: { s: { $each: [2, 3] } }, $pull: { p: { $gte: 4 }, q: { k: 1 } }, $pullAll: { r: [1, 3] } }),
      );
      await c.updateOne({ _id: 'a' } as never, { $pop: { p: -1 } });

      expect(await c.findOne({ _id: 'a' } as never)).toEqual({ _id: 'a', s: [1, 2, 3], p: [2, 3], q: [{ k: 2 }], r: [2] });
    });

    it('when an update does not change anything, then it matches but does not modify', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'n', v: 1 } as never);

      const result = await c.updateOne({ _id: 'n' } as never, { $set: { v: 1 } });

      expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    });

    it('when an upsert finds nothing, then it inserts from the filter, $set and $setOnInsert', async () => {
      const c = fresh();

      const first = await c.updateOne({ email: 'x@y.z' }, { $set: { name: 'X' }, $setOnInsert: { createdAt: 'now' } }, { upsert: true });
      const second = await c.updateOne({ email: 'x@y.z' }, { $set: { name: 'Y' }, $setOnInsert: { createdAt: 'later' } }, { upsert: true });

      expect(first.upsertedId).toBeInstanceOf(ObjectId);
      expect(first).toMatchObject({ matchedCount: 0, upsertedCount: 1 });
      expect(second).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
      expect(await c.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ email: 'x@y.z', name: 'Y', createdAt: 'now' }]);
    });

    it('when updateMany runs, then every matching document changes', async () => {
      const c = fresh();
      await c.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }]);

      const result = await c.updateMany({ g: 1 }, { $set: { seen: true } });

      expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
      expect(await c.countDocuments({ seen: true })).toBe(2);
    });

    it('when arrayFilters and positional operators are used, then only the chosen elements change', async () => {
      const c = fresh();
      await c.insertOne({
        _id: 'af',
        grades: [80, 95, 100],
        items: [
          { k: 'a', n: 1 },
          { k: 'b', n: 2 },
        ],
      } as never);

      await c.updateOne({ _id: 'af' } as never, { $set: { 'grades.$[g]': 90 } }, { arrayFilters: [{ g: { $gte: 95 } }] });
      await c.updateOne({ _id: 'af', 'items.k': 'b' } as never, { $inc: { 'items.$.n': 10 } });
      await c.updateOne({ _id: 'af' } as never, { $inc: { 'items.$[].n': 100 } });

      expect(await c.findOne({ _id: 'af' } as never)).toEqual({
        _id: 'af',
        grades: [80, 90, 90],
        items: [
          { k: 'a', n: 101 },
          { k: 'b', n: 112 },
        ],
      });
    });

    it('when the positional operator follows an $elemMatch on the elements’ fields mixed with $or, then the first element matching all of it changes', async () => {
      const c = fresh();
      await c.insertOne({
        _id: 'em',
        events: [
          { k: 'a', until: 5 },
          { k: 'b', until: 9 },
          { k: 'b', until: null },
        ],
      } as never);

      const free = { $or: [{ until: null }, { until: { $lt: 6 } }] };
      const hit = await c.updateOne({ _id: 'em', events: { $elemMatch: { k: 'b', ...free } } } as never, { $set: { 'events.$.until': 7 } });
      const miss = await c.updateOne({ _id: 'em', events: { $elemMatch: { k: 'c', ...free } } } as never, {
        $set: { 'events.$.until': 7 },
      });

      expect(hit).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
      expect(miss).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
      expect(await c.findOne({ _id: 'em' } as never)).toEqual({
        _id: 'em',
        events: [
          { k: 'a', until: 5 },
          { k: 'b', until: 9 },
          { k: 'b', until: 7 },
        ],
      });
    });

    it('when a positional update sets the very field its $elemMatch matched on, then every field of the update goes to that same element', async () => {
      const c = fresh();
      await c.insertOne({
        _id: 'pf',
        events: [
          { k: 'a', by: 't' },
          { k: 'b', by: 't', until: 7 },
        ],
      } as never);

      await c.updateOne({ _id: 'pf', events: { $elemMatch: { k: 'b', by: 't' } } } as never, {
        $set: { 'events.$.by': null, 'events.$.until': null },
      });

      expect(await c.findOne({ _id: 'pf' } as never)).toEqual({
        _id: 'pf',
        events: [
          { k: 'a', by: 't' },
          { k: 'b', by: null, until: null },
        ],
      });
    });

    it('when a replacement document is given, then the document is replaced and keeps its _id', async () => {
      const c = fresh();
      const { insertedId } = await c.insertOne({ a: 1, b: 2 });

      await c.replaceOne({ _id: insertedId }, { c: 3 });

      expect(await c.findOne({ _id: insertedId })).toEqual({ _id: insertedId, c: 3 });
    });

    it('when a pipeline update runs, then its stages compute the new document', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'pl', a: 2, b: 3 } as never);

      await c.updateOne({ _id: 'pl' } as never, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]);

      expect(await c.findOne({ _id: 'pl' } as never)).toEqual({ _id: 'pl', a: 2, sum: 5 });
    });

    it('when a pipeline converts an ObjectId, a number and a date with $toString, then it gets the hex string, the digits and the ISO date, as mongod does', async () => {
      const c = fresh();
      const { insertedId } = await c.insertOne({ v: 7, at: new Date('2026-12-03T10:00:00Z') });

      await c.updateOne({ _id: insertedId }, [
        {
          $set: {
            id: { $toString: '$_id' },
            key: { $concat: ['k:', { $toString: '$_id' }, ':', { $toString: '$v' }] },
            when: { $toString: '$at' },
          },
        },
      ]);

      expect(await c.findOne({ _id: insertedId }, { projection: { _id: 0, id: 1, key: 1, when: 1 } })).toEqual({
        id: insertedId.toHexString(),
        key: `k:${insertedId.toHexString()}:7`,
        when: '2026-12-03T10:00:00.000Z',
      });
    });

    it('when an update would change _id, then it fails with ImmutableField', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'im' } as never);

      await expect(c.updateOne({ _id: 'im' } as never, { $set: { _id: 'other' } })).rejects.toMatchObject({ code: 66 });
    });

    it('when $inc meets a string, then the update fails with TypeMismatch and changes nothing', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'tm', v: 'text' } as never);

      await expect(c.updateOne({ _id: 'tm' } as never, { $inc: { v: 1 } })).rejects.toMatchObject({ code: 14 });
      expect(await c.findOne({ _id: 'tm' } as never)).toEqual({ _id: 'tm', v: 'text' });
    });
  });

  describe('delete, findAndModify, count and distinct', () => {
    it('when deleteOne and deleteMany run, then one or all matching documents go', async () => {
      const c = fresh();
      await c.insertMany([{ g: 1 }, { g: 1 }, { g: 1 }, { g: 2 }]);

      expect((await c.deleteOne({ g: 1 })).deletedCount).toBe(1);
      expect((await c.deleteMany({ g: 1 })).deletedCount).toBe(2);
      expect(await c.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ g: 2 }]);
    });

    it('when findOneAndUpdate asks for the new document with a sort and projection, then it returns that', async () => {
      const c = fresh();
      await c.insertMany([
        { q: 1, v: 1 },
        { q: 1, v: 2 },
      ]);

      const after = await c.findOneAndUpdate(
        { q: 1 },
        { $inc: { v: 10 } },
        { sort: { v: -1 }, returnDocument: 'after', projection: { _id: 0, v: 1 } },
      );
      const before = await c.findOneAndUpdate(
        { q: 1 },
        { $inc: { v: 10 } },
        { sort: { v: 1 }, returnDocument: 'before', includeResultMetadata: true },
      );

      expect(after).toEqual({ v: 12 });
      expect(before).toMatchObject({ ok: 1, value: { q: 1, v: 1 }, lastErrorObject: { n: 1, updatedExisting: true } });
    });

    it('when findOneAndUpdate upserts, then lastErrorObject reports the upserted id', async () => {
      const c = fresh();

      const result = await c.findOneAndUpdate(
        { k: 'new' },
        { $set: { v: 1 } },
        { upsert: true, returnDocument: 'after', includeResultMetadata: true },
      );

      expect(result.value).toMatchObject({ k: 'new', v: 1 });
      expect(result.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: result.value?._id });
    });

    it('when findOneAndDelete runs, then it removes and returns the first document in sort order', async () => {
      const c = fresh();
      await c.insertMany([{ v: 2 }, { v: 1 }, { v: 3 }]);

      const removed = await c.findOneAndDelete({}, { sort: { v: 1 } });

      expect(removed).toMatchObject({ v: 1 });
      expect(await c.countDocuments()).toBe(2);
    });

    it('when count, estimatedDocumentCount and distinct run, then they report the matching data', async () => {
      const c = fresh();
      await c.insertMany([{ t: ['a', 'b'] }, { t: 'b' }, { t: 'c' }, { u: 1 }]);

      expect(await c.estimatedDocumentCount()).toBe(4);
      expect(await c.countDocuments({ t: 'b' })).toBe(2);
      expect((await c.distinct('t')).sort()).toEqual(['a', 'b', 'c']);
    });

    it('when nothing matches a find on a missing collection, then the result is empty, not an error', async () => {
      expect(await coll('never-created').find({ a: 1 }).toArray()).toEqual([]);
    });
  });
});

describe('MongoDB test double: mongod 7.0 refusals', () => {
  const handle = useDatabase();

  // MongoDB manual, "Field Names": _id may not contain $-prefixed fields ("not valid for storage").
  it('when an _id holds a $-prefixed key, then the insert fails with DollarPrefixedFieldName', async () => {
    await expect(handle.db.collection('r1').insertOne({ _id: { $bad: 1 } } as never)).rejects.toMatchObject({ code: 52 });
    expect(await handle.db.collection('r1').countDocuments()).toBe(0);
  });

  // MongoDB 7.0 manual, "update" command: an update statement has q, u, c, upsert, multi,
  // arrayFilters, collation, hint — no sort (added in 8.0), so the command fails to parse.
  it('when an update statement carries sort, then mongod 7.0 refuses the command', async () => {
    await handle.db.collection('r2').insertOne({ k: 1 });

    const error = await handle.db
      .command({ update: 'r2', updates: [{ q: {}, u: { $set: { k: 2 } }, sort: { k: 1 } }] })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 40415 });
    expect(await handle.db.collection('r2').findOne({}, { projection: { _id: 0 } })).toEqual({ k: 1 });
  });
});

describe('MongoDB test double: collection validators', () => {
  const handle = useDatabase();

  // MongoDB manual, "Schema Validation": mongod enforces a collection's validator; an invalid insert
  // fails with DocumentValidationFailure (121) and a valid one is accepted (more in validation.test.ts).
  it('when a collection is created with a validator, then an invalid document is never accepted', async () => {
    await handle.db.createCollection('v1', { validator: { $jsonSchema: { required: ['name'] } } });

    await expect(handle.db.collection('v1').insertOne({ other: 1 })).rejects.toMatchObject({
      code: 121,
      codeName: 'DocumentValidationFailure',
    });
    await handle.db.collection('v1').insertOne({ name: 'ok' });

    expect(
      await handle.db
        .collection('v1')
        .find({}, { projection: { _id: 0 } })
        .toArray(),
    ).toEqual([{ name: 'ok' }]);
  });
});
