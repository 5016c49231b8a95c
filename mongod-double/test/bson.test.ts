import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, UUID } from 'bson';
import { useDatabase } from './helpers';

describe('MongoDB test double: BSON values', () => {
  const handle = useDatabase();

  it('when every common BSON type is stored, then it reads back with the same type and value', async () => {
    const c = handle.db.collection('types');
    const original = {
      _id: new ObjectId(),
      date: new Date('2024-05-06T07:08:09.123Z'),
      int: new Int32(42),
      long: Long.fromString('9007199254740993'),
      double: new Double(1.0),
      fraction: new Double(2.5),
      decimal: Decimal128.fromString('12345.6789'),
      binary: new Binary(Buffer.from([1, 2, 3]), 0),
      uuid: new UUID('3b241101-e2bb-4255-8caf-4136c566a962'),
      nothing: null,
      bool: true,
      text: 'héllo',
      nested: { arr: [new Int32(1), [new Double(2), 'x'], { deep: new Long(3) }] },
    };
    await c.insertOne(original);

    const raw = await c.findOne({ _id: original._id }, { promoteValues: false, promoteLongs: false });

    expect(raw?.int).toBeInstanceOf(Int32);
    expect(raw?.double).toBeInstanceOf(Double);
    expect((raw?.double as Double).value).toBe(1);
    expect(raw?.long).toBeInstanceOf(Long);
    expect((raw?.long as Long).toString()).toBe('9007199254740993');
    expect(raw?.decimal).toBeInstanceOf(Decimal128);
    expect((raw?.decimal as Decimal128).toString()).toBe('12345.6789');
    expect(raw?.date).toEqual(original.date);
    expect(Buffer.from((raw?.binary as Binary).buffer)).toEqual(Buffer.from([1, 2, 3]));
    expect((raw?.uuid as Binary).sub_type).toBe(4);
    expect(raw?.nothing).toBeNull();
    expect(raw?.text).toBe('héllo');
    const nested = raw?.nested as { arr: [Int32, [Double, string], { deep: Long }] };
    expect(nested.arr[0]).toBeInstanceOf(Int32);
    expect(nested.arr[1][0]).toBeInstanceOf(Double);
    expect(nested.arr[2].deep).toBeInstanceOf(Long);
  });

  it('when a double is incremented by an int, then it stays a double; an int plus an int stays an int', async () => {
    const c = handle.db.collection('arith');
    await c.insertOne({ _id: 'n', d: new Double(1), i: new Int32(1) } as never);

    await c.updateOne({ _id: 'n' } as never, { $inc: { d: new Int32(1), i: new Int32(2) } });
    const raw = await c.findOne({ _id: 'n' } as never, { promoteValues: false });

    expect(raw?.d).toBeInstanceOf(Double);
    expect((raw?.d as Double).value).toBe(2);
    expect(raw?.i).toBeInstanceOf(Int32);
    expect((raw?.i as Int32).value).toBe(3);
  });

  it('when values of different types are sorted, then they follow BSON comparison order', async () => {
    const c = handle.db.collection('order');
    const id = new ObjectId();
    await c.insertMany([
      { k: 'date', v: new Date(0) },
      { k: 'bool', v: true },
      { k: 'oid', v: id },
      { k: 'string', v: 'a' },
      { k: 'number', v: 3 },
      { k: 'null', v: null },
      { k: 'object', v: { a: 1 } },
      { k: 'max', v: new MaxKey() },
      { k: 'min', v: new MinKey() },
      { k: 'long', v: Long.fromNumber(2) },
      { k: 'double', v: 2.5 },
    ]);

    const sorted = await c
      .find({}, { projection: { _id: 0, k: 1 } })
      .sort({ v: 1 })
      .toArray();

    expect(sorted.map((d) => d.k)).toEqual(['min', 'null', 'long', 'double', 'number', 'string', 'object', 'oid', 'bool', 'date', 'max']);
  });

  it('when ObjectIds and Dates are compared in filters, then ranges work on them', async () => {
    const c = handle.db.collection('ranges');
    const ids = [
      new ObjectId('000000000000000000000001'),
      new ObjectId('000000000000000000000002'),
      new ObjectId('000000000000000000000003'),
    ];
    await c.insertMany(ids.map((_id, i) => ({ _id, at: new Date(Date.UTC(2024, 0, i + 1)) })));

    expect(await c.countDocuments({ _id: { $gt: ids[0] } })).toBe(2);
    expect(await c.countDocuments({ at: { $lt: new Date(Date.UTC(2024, 0, 2)) } })).toBe(1);
    expect(await c.countDocuments({ _id: { $in: [ids[0], ids[2]] } })).toBe(2);
  });

  it('when a 5 MB document is stored, then it reads back intact', async () => {
    const c = handle.db.collection('large');
    const payload = 'x'.repeat(5 * 1024 * 1024);
    await c.insertOne({ _id: 'big', payload } as never);

    const found = await c.findOne({ _id: 'big' } as never);

    expect(found?.payload).toHaveLength(payload.length);
    expect(found?.payload === payload).toBe(true);
  });

  it('when a document is found by an ObjectId _id, then the point lookup returns it', async () => {
    const c = handle.db.collection('points');
    const { insertedId } = await c.insertOne({ v: 1 });

    expect(await c.findOne({ _id: insertedId })).toEqual({ _id: insertedId, v: 1 });
    expect(await c.findOne({ _id: new ObjectId() })).toBeNull();
  });
});
