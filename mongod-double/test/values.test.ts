import { deserialize, Double, Int32, Long, ObjectId, serialize } from 'bson';
import { numberKind, unwrapInt32s } from '../src/values';

describe('MongoDB test double: stored numbers', () => {
  it('when a document is unwrapped for storage, then every Int32 becomes its number and every other value stays as it came', () => {
    const id = new ObjectId();
    const when = new Date();
    const doc: Record<string, unknown> = {
      _id: id,
      price: new Int32(10),
      ratio: new Double(1),
      big: Long.fromNumber(2 ** 40),
      at: when,
      ticket: { version: new Int32(0), tags: [new Int32(1), [new Int32(2), new Double(2.5)], { deep: new Int32(3) }] },
    };

    unwrapInt32s(doc);

    expect(doc.price).toBe(10);
    expect(doc.ratio).toBeInstanceOf(Double);
    expect(doc.big).toBeInstanceOf(Long);
    expect(doc._id).toBe(id);
    expect(doc.at).toBe(when);
    expect(doc.ticket).toEqual({ version: 0, tags: [1, [2, new Double(2.5)], { deep: 3 }] });
    expect(numberKind(doc.price)).toBe('int');
  });

  it('when an unwrapped document is written back to BSON, then its integers are int32 and its doubles double again', () => {
    const doc: Record<string, unknown> = { n: new Int32(7), one: new Double(1), nested: [{ m: new Int32(-3) }] };

    unwrapInt32s(doc);
    const read = deserialize(serialize(doc), { promoteValues: false });

    expect(read.n).toBeInstanceOf(Int32);
    expect((read.n as Int32).value).toBe(7);
    expect(read.one).toBeInstanceOf(Double);
    expect((read.nested as Array<{ m: unknown }>)[0].m).toBeInstanceOf(Int32);
  });
});
