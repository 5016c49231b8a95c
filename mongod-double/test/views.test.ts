// Views: create with viewOn/pipeline/collation, reads through the view's pipeline, the catalogue,
// and the operations a view refuses. The expected answers are mongod 7.0's.
import type { ObjectId } from 'bson';
import { useDatabase } from './helpers';

type Doc = Record<string, unknown>;
/** Documents with _id of any type (the driver's default types assume ObjectId). */
type Row = { _id?: number | string | ObjectId; [field: string]: unknown };

async function failure(promise: Promise<unknown>): Promise<Doc> {
  return promise.then(
    () => ({ outcome: 'succeeded' }),
    (error: unknown) => error as Doc,
  );
}

describe('MongoDB test double: views', () => {
  const handle = useDatabase();
  let seq = 0;
  const next = (prefix: string): string => `${prefix}${++seq}`;

  /** A source collection of products and a view of the ones in stock, without their cost. */
  async function inStock(): Promise<{ source: string; view: string }> {
    const source = next('products');
    const view = next('inStock');
    await handle.db.collection<Row>(source).insertMany([
      { _id: 1, name: 'apple', qty: 5, cost: 1 },
      { _id: 2, name: 'pear', qty: 0, cost: 2 },
      { _id: 3, name: 'plum', qty: 12, cost: 3 },
    ]);
    await handle.db.createCollection(view, { viewOn: source, pipeline: [{ $match: { qty: { $gt: 0 } } }, { $project: { cost: 0 } }] });
    return { source, view };
  }

  // MongoDB manual, "Create and Query a View": a find on a view runs the view's pipeline over its
  // source first, then the query's filter, sort, skip, limit and projection.
  it('when a view is queried with find, then the results are the pipeline output filtered, sorted and limited', async () => {
    const { view } = await inStock();

    const all = await handle.db.collection<Row>(view).find().sort({ _id: 1 }).toArray();
    const some = await handle.db
      .collection(view)
      .find({ qty: { $gte: 5 } }, { projection: { name: 1, _id: 0 } })
      .sort({ qty: -1 })
      .limit(1)
      .toArray();

    expect(all).toEqual([
      { _id: 1, name: 'apple', qty: 5 },
      { _id: 3, name: 'plum', qty: 12 },
    ]);
    expect(some).toEqual([{ name: 'plum' }]);
  });

  // MongoDB manual, "Views" (Supported Operations): count, distinct and aggregate work on views; an
  // aggregate's stages run after the view's pipeline.
  it('when count, distinct and aggregate run on a view, then they see only the view documents', async () => {
    const { view } = await inStock();
    const coll = handle.db.collection<Row>(view);

    const counted = await handle.db.command({ count: view });
    const counts = await coll.countDocuments({ qty: { $lt: 10 } });
    const names = await coll.distinct('name');
    const total = await coll.aggregate([{ $group: { _id: null, qty: { $sum: '$qty' } } }]).toArray();

    expect(counted).toMatchObject({ n: 2, ok: 1 });
    expect(counts).toBe(1);
    expect(names.sort()).toEqual(['apple', 'plum']);
    expect(total).toEqual([{ _id: null, qty: 17 }]);
  });

  // MongoDB manual, "db.createView()": the source may itself be a view; its pipeline runs first.
  it('when a view is defined on another view, then both pipelines apply, the inner one first', async () => {
    const { view } = await inStock();
    const outer = next('big');
    await handle.db.createCollection(outer, { viewOn: view, pipeline: [{ $match: { qty: { $gt: 10 } } }] });

    expect(await handle.db.collection<Row>(outer).find().toArray()).toEqual([{ _id: 3, name: 'plum', qty: 12 }]);
  });

  // MongoDB manual, "listCollections" / "Create and Query a View": views are listed with type "view"
  // and options { viewOn, pipeline }.
  it('when collections are listed, then a view appears with type "view" and its definition in options', async () => {
    const { source, view } = await inStock();

    const [info] = await handle.db.listCollections({ name: view }).toArray();
    const names = await handle.db.listCollections({ type: 'view' }, { nameOnly: true }).toArray();

    expect(info).toMatchObject({
      name: view,
      type: 'view',
      options: { viewOn: source, pipeline: [{ $match: { qty: { $gt: 0 } } }, { $project: { cost: 0 } }] },
      info: { readOnly: true },
    });
    expect(names.map((entry) => entry.name)).toContain(view);
    expect(names.map((entry) => entry.name)).not.toContain(source);
  });

  // MongoDB manual, "Views" (Read Only): write operations on a view fail; mongod answers
  // CommandNotSupportedOnView (166) for insert, update, delete and findAndModify.
  it('when insert, update, delete or findAndModify target a view, then each fails with 166 and the source is unchanged', async () => {
    const { source, view } = await inStock();
    const coll = handle.db.collection<Row>(view);

    const errors = await Promise.all([
      failure(coll.insertOne({ name: 'fig', qty: 1 })),
      failure(coll.updateOne({ _id: 1 }, { $set: { qty: 0 } })),
      failure(coll.deleteOne({ _id: 1 })),
      failure(coll.findOneAndUpdate({ _id: 1 }, { $set: { qty: 0 } })),
    ]);

    for (const error of errors) expect(error).toMatchObject({ code: 166, codeName: 'CommandNotSupportedOnView' });
    expect(await handle.db.collection<Row>(source).countDocuments()).toBe(3);
  });

  // MongoDB manual, "Views" (Index Use): indexes cannot be created on, listed for or dropped from a view (166).
  it('when an index is created on or listed for a view, then it fails with 166', async () => {
    const { view } = await inStock();

    await expect(handle.db.collection<Row>(view).createIndex({ name: 1 })).rejects.toMatchObject({ code: 166 });
    await expect(handle.db.command({ listIndexes: view })).rejects.toMatchObject({ code: 166 });
  });

  // MongoDB manual, "Remove a View" and "Modify a View": drop removes the view (the source stays);
  // collMod with viewOn/pipeline changes its definition.
  it('when a view is modified with collMod and then dropped, then reads follow the new pipeline and the view is gone', async () => {
    const { source, view } = await inStock();

    await handle.db.command({ collMod: view, viewOn: source, pipeline: [{ $match: { qty: 0 } }] });
    const modified = await handle.db.collection<Row>(view).find().toArray();
    const dropped = await handle.db.collection<Row>(view).drop();
    const listed = await handle.db.listCollections({ name: view }).toArray();

    expect(modified).toEqual([{ _id: 2, name: 'pear', qty: 0, cost: 2 }]);
    expect(dropped).toBe(true);
    expect(listed).toEqual([]);
    expect(await handle.db.collection<Row>(source).countDocuments()).toBe(3);
  });

  // mongod lets a view be defined on a collection that does not exist yet; it reads as empty until
  // the collection has documents.
  it('when a view is created on a missing collection, then it succeeds and reads the collection once it exists', async () => {
    const source = next('later');
    const view = next('onLater');

    await handle.db.createCollection(view, { viewOn: source, pipeline: [] });
    const before = await handle.db.collection<Row>(view).find().toArray();
    await handle.db.collection<Row>(source).insertOne({ _id: 1 });
    const after = await handle.db.collection<Row>(view).find().toArray();

    expect(before).toEqual([]);
    expect(after).toEqual([{ _id: 1 }]);
  });

  // mongod: a view's name is a namespace like a collection's: creating either over the other fails
  // with NamespaceExists (48).
  it('when a view or collection is created with the name of an existing view, then it fails with 48', async () => {
    const { source, view } = await inStock();

    await expect(handle.db.createCollection(view, { viewOn: source, pipeline: [] })).rejects.toMatchObject({ code: 48 });
    await expect(handle.db.command({ create: view })).rejects.toMatchObject({ code: 48 });
  });

  // MongoDB manual, "Create a View with Default Collation": string comparisons on the view use its
  // collation, and an operation asking for a different collation fails (OptionNotSupportedOnView, 167).
  it('when a view has a default collation, then queries use it and another collation is refused with 167', async () => {
    const source = next('places');
    const view = next('placesView');
    await handle.db.collection<Row>(source).insertMany([
      { _id: 1, category: 'café' },
      { _id: 2, category: 'cafe' },
      { _id: 3, category: 'cafE' },
    ]);
    await handle.db.createCollection(view, {
      viewOn: source,
      pipeline: [{ $project: { category: 1 } }],
      collation: { locale: 'fr', strength: 1 },
    });

    const n = await handle.db.collection<Row>(view).countDocuments({ category: 'cafe' });
    const other = await failure(
      handle.db
        .collection<Row>(view)
        .find({}, { collation: { locale: 'en', strength: 2 } })
        .toArray(),
    );

    expect(n).toBe(3);
    expect(other).toMatchObject({ code: 167 });
  });

  // mongod refuses a collMod that would make a view depend on itself: "View cycle detected"
  // (GraphContainsCycle, 93).
  it('when collMod would make views form a cycle, then it fails with 93 and the view keeps its definition', async () => {
    const { view } = await inStock();
    const outer = next('outer');
    await handle.db.createCollection(outer, { viewOn: view, pipeline: [] });

    const error = await failure(handle.db.command({ collMod: view, viewOn: outer }));

    expect(error).toMatchObject({ code: 93 });
    expect(await handle.db.collection<Row>(outer).countDocuments()).toBe(2);
  });

  // MongoDB manual, "$lookup": the from collection may be a view.
  it('when $lookup reads from a view, then it joins the view documents', async () => {
    const { view } = await inStock();
    const orders = next('orders');
    await handle.db.collection<Row>(orders).insertMany([
      { _id: 'o1', item: 'plum' },
      { _id: 'o2', item: 'pear' },
    ]);

    const joined = await handle.db
      .collection(orders)
      .aggregate([
        { $lookup: { from: view, localField: 'item', foreignField: 'name', as: 'stock' } },
        { $project: { n: { $size: '$stock' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();

    expect(joined).toEqual([
      { _id: 'o1', n: 1 },
      { _id: 'o2', n: 0 },
    ]);
  });
});
