import { useDatabase } from './helpers';

// MongoDB manual, "Collation": strength 1 compares base characters only, 2 also diacritics,
// 3 (the default) also case; the simple collation compares binary. Collation applies to queries,
// sorts, distinct, updates, deletes, aggregation and (unique) index keys.
describe('MongoDB test double: collation', () => {
  const handle = useDatabase();
  let seq = 0;
  const fresh = async (docs: Array<Record<string, unknown>>) => {
    const c = handle.db.collection(`coll${++seq}`);
    if (docs.length > 0) await c.insertMany(docs);
    return c;
  };
  const names = [{ n: 'cafe' }, { n: 'Café' }, { n: 'CAFE' }, { n: 'café' }, { n: 'bar' }];

  it('when a find uses strength 2, then it matches regardless of case but not of accents', async () => {
    const c = await fresh(names);

    const found = await c.find({ n: 'cafe' }, { collation: { locale: 'en', strength: 2 }, projection: { _id: 0 } }).toArray();

    expect(found.map((d) => d.n).sort()).toEqual(['CAFE', 'cafe']);
  });

  it('when a find uses strength 1, then accents and case are both ignored', async () => {
    const c = await fresh(names);

    expect(await c.countDocuments({ n: 'cafe' }, { collation: { locale: 'fr', strength: 1 } })).toBe(4);
  });

  it('when a find uses strength 3 or the simple locale, then only the exact string matches', async () => {
    const c = await fresh(names);

    expect(await c.countDocuments({ n: 'cafe' }, { collation: { locale: 'de', strength: 3 } })).toBe(1);
    expect(await c.countDocuments({ n: 'cafe' }, { collation: { locale: 'simple' } })).toBe(1);
  });

  it('when a sort uses the en locale, then strings sort alphabetically rather than by code point', async () => {
    const c = await fresh([{ n: 'b' }, { n: 'B' }, { n: 'a' }, { n: 'á' }, { n: 'C' }]);

    const binary = (await c.find({}).sort({ n: 1 }).toArray()).map((d) => d.n);
    const english = (
      await c
        .find({}, { collation: { locale: 'en' } })
        .sort({ n: 1 })
        .toArray()
    ).map((d) => d.n);

    expect(binary).toEqual(['B', 'C', 'a', 'b', 'á']);
    expect(english).toEqual(['a', 'á', 'b', 'B', 'C']);
  });

  it('when a range query uses a collation, then it compares in the locale order', async () => {
    const c = await fresh([{ n: 'apple' }, { n: 'Banana' }, { n: 'cherry' }]);

    const found = await c.find({ n: { $lt: 'b' } }, { collation: { locale: 'en', strength: 1 } }).toArray();

    expect(found.map((d) => d.n)).toEqual(['apple']);
  });

  it('when distinct uses strength 2, then values differing only by case count once', async () => {
    const c = await fresh([{ n: 'x' }, { n: 'X' }, { n: 'y' }]);

    expect(await c.distinct('n', {}, { collation: { locale: 'en', strength: 2 } })).toHaveLength(2);
  });

  it('when updateMany and deleteMany use strength 2, then they affect case variants', async () => {
    const c = await fresh(names);

    const updated = await c.updateMany({ n: 'cafe' }, { $set: { hit: true } }, { collation: { locale: 'en', strength: 2 } });
    const deleted = await c.deleteMany({ n: 'CAFÉ' }, { collation: { locale: 'en', strength: 2 } });

    expect(updated.modifiedCount).toBe(2);
    expect(deleted.deletedCount).toBe(2);
  });

  it('when an aggregation runs with a collation, then $match uses it', async () => {
    const c = await fresh(names);

    const out = await c.aggregate([{ $match: { n: 'cafe' } }, { $count: 'n' }], { collation: { locale: 'en', strength: 1 } }).toArray();

    expect(out).toEqual([{ n: 4 }]);
  });

  it('when a unique index has strength 2, then an address differing only by case is a duplicate', async () => {
    const c = await fresh([]);
    await c.createIndex({ email: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
    await c.insertOne({ email: 'a@x.io' });

    await expect(c.insertOne({ email: 'A@x.io' })).rejects.toMatchObject({ code: 11000 });
  });

  it('when a collection has a default collation, then queries without one use it', async () => {
    const name = `coll${++seq}`;
    await handle.db.createCollection(name, { collation: { locale: 'en', strength: 2 } });
    const c = handle.db.collection(name);
    await c.insertMany([{ n: 'Abc' }, { n: 'abc' }]);

    expect(await c.countDocuments({ n: 'ABC' })).toBe(2);
  });

  it('when the locale is unknown, then the command fails with BadValue', async () => {
    const c = await fresh([{ n: 'a' }]);

    await expect(c.find({}, { collation: { locale: 'xx-nope' } }).toArray()).rejects.toMatchObject({ code: 2 });
  });
});
