import { deserialize, serialize } from 'bson';
import { MessageReader, ProtocolError, encodeMsg, parseMessage } from '../src/wire';

describe('MongoDB test double: wire framing', () => {
  const message = (n: number) => encodeMsg(n, 0, { ping: 1, n, pad: 'x'.repeat(n * 10) });

  it('when messages arrive split into one-byte chunks, then each is returned whole once complete', () => {
    const reader = new MessageReader();
    const bytes = Buffer.concat([message(1), message(2)]);
    const out: Buffer[] = [];

    for (const byte of bytes) out.push(...reader.push(Buffer.from([byte])));

    expect(out.map((m) => deserialize(m.subarray(21)).n)).toEqual([1, 2]);
  });

  it('when several messages arrive in one chunk, then all of them are returned in order', () => {
    const reader = new MessageReader();

    const out = reader.push(Buffer.concat([message(3), message(4), message(5)]));

    expect(out).toHaveLength(3);
    expect(deserialize(out[2].subarray(21)).n).toBe(5);
  });

  it('when a length prefix is impossible, then the reader refuses the stream', () => {
    const reader = new MessageReader();
    const bogus = Buffer.alloc(16);
    bogus.writeInt32LE(3, 0);

    expect(() => reader.push(bogus)).toThrow(ProtocolError);
  });

  it('when an OP_MSG carries a document sequence, then it is merged into the body under its identifier', () => {
    const body = Buffer.from(serialize({ insert: 'c', $db: 'd' }));
    const docs = [{ a: 1 }, { a: 2 }].map((d) => Buffer.from(serialize(d)));
    const identifier = Buffer.from('documents\0');
    const sectionSize = 4 + identifier.length + docs.reduce((n, d) => n + d.length, 0);
    const size = Buffer.alloc(4);
    size.writeInt32LE(sectionSize, 0);
    const sections = Buffer.concat([Buffer.from([0]), body, Buffer.from([1]), size, identifier, ...docs]);
    const header = Buffer.alloc(20);
    header.writeInt32LE(20 + sections.length, 0);
    header.writeInt32LE(2013, 12);

    const parsed = parseMessage(Buffer.concat([header, sections]));

    expect(parsed).toMatchObject({ kind: 'msg', body: { insert: 'c', documents: [{ a: expect.anything() }, { a: expect.anything() }] } });
  });
});
