import { useDatabase } from './helpers';

describe('MongoDB test double: cursors', () => {
  const handle = useDatabase();
  const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: i, payload: `doc-${i}` }));

  beforeAll(async () => {
    await handle.db.collection('many').insertMany(docs as never[]);
  });

  it('when 1,000 documents are read, then the driver gets them all through getMore in order', async () => {
    const result = await handle.db.collection('many').find().sort({ _id: 1 }).toArray();

    expect(result).toHaveLength(1000);
    expect(result.map((d) => d._id)).toEqual(docs.map((d) => d._id));
  });

  // Cursor ids are int64: keep them as Long (a JS number could lose precision with a real mongod).
  const asLong = { promoteLongs: false } as const;

  it('when a batch size is set, then the first batch and every getMore batch respect it and the last cursor id is 0', async () => {
    const first = await handle.db.command({ find: 'many', filter: {}, sort: { _id: 1 }, batchSize: 300 }, asLong);
    const cursorId = first.cursor.id;
    const second = await handle.db.command({ getMore: cursorId, collection: 'many', batchSize: 300 }, asLong);
    const rest = await handle.db.command({ getMore: cursorId, collection: 'many' }, asLong);

    expect(first.cursor.firstBatch).toHaveLength(300);
    expect(cursorId.toString()).not.toBe('0');
    expect(second.cursor.nextBatch).toHaveLength(300);
    expect(Number(second.cursor.nextBatch[0]._id)).toBe(300);
    expect(rest.cursor.nextBatch).toHaveLength(400);
    expect(rest.cursor.id.toString()).toBe('0');
  });

  it('when no batch size is given, then the first batch holds 101 documents', async () => {
    const first = await handle.db.command({ find: 'many', filter: {} }, asLong);

    expect(first.cursor.firstBatch).toHaveLength(101);
    await handle.db.command({ killCursors: 'many', cursors: [first.cursor.id] });
  });

  it('when a cursor is killed, then getMore on it fails with CursorNotFound', async () => {
    const first = await handle.db.command({ find: 'many', filter: {}, batchSize: 10 }, asLong);

    const killed = await handle.db.command({ killCursors: 'many', cursors: [first.cursor.id] }, asLong);

    expect(killed.cursorsKilled.map(String)).toEqual([first.cursor.id.toString()]);
    await expect(handle.db.command({ getMore: first.cursor.id, collection: 'many' })).rejects.toMatchObject({ code: 43 });
  });

  it('when singleBatch or a negative limit is asked for, then no cursor stays open', async () => {
    const single = await handle.db.command({ find: 'many', filter: {}, batchSize: 5, singleBatch: true });
    const negative = await handle.db.command({ find: 'many', filter: {}, limit: -7 });

    expect(single.cursor.firstBatch).toHaveLength(5);
    expect(single.cursor.id.toString()).toBe('0');
    expect(negative.cursor.firstBatch).toHaveLength(7);
    expect(negative.cursor.id.toString()).toBe('0');
  });

  it('when a limit is smaller than the result, then exactly that many documents come back across batches', async () => {
    const result = await handle.db.collection('many').find({}, { batchSize: 7 }).limit(50).toArray();

    expect(result).toHaveLength(50);
  });
});
