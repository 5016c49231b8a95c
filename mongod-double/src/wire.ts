// MongoDB wire protocol framing: OP_QUERY (only for the legacy handshake), OP_REPLY, OP_MSG.
import { deserialize, serialize, Long } from 'bson';
import type { Doc } from './values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MSG_CHECKSUM_PRESENT = 1 << 0;
export const MSG_MORE_TO_COME = 1 << 1;
export const MSG_EXHAUST_ALLOWED = 1 << 16;

export const MAX_MESSAGE_SIZE = 48_000_000;
const HEADER_SIZE = 16;

/** Stored values keep their exact BSON types (see values.ts). */
const DESERIALIZE_OPTIONS = { promoteValues: false, bsonRegExp: true } as const;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface QueryMessage {
  kind: 'query';
  header: MessageHeader;
  flags: number;
  fullCollectionName: string;
  numberToSkip: number;
  numberToReturn: number;
  query: Doc;
}

export interface CommandMessage {
  kind: 'msg';
  header: MessageHeader;
  flags: number;
  /** The body with every document sequence (kind 1 section) merged in as an array field. */
  body: Doc;
}

export interface UnsupportedMessage {
  kind: 'unsupported';
  header: MessageHeader;
}

export type IncomingMessage = QueryMessage | CommandMessage | UnsupportedMessage;

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function readCString(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  if (end < 0) throw new ProtocolError('unterminated cstring');
  return [buffer.toString('utf8', offset, end), end + 1];
}

function readDocument(buffer: Buffer, offset: number): [Doc, number] {
  const size = buffer.readInt32LE(offset);
  if (size < 5 || offset + size > buffer.length) throw new ProtocolError('invalid BSON document size');
  const doc = deserialize(buffer.subarray(offset, offset + size), DESERIALIZE_OPTIONS) as Doc;
  return [doc, offset + size];
}

export function parseMessage(message: Buffer): IncomingMessage {
  const header: MessageHeader = {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
  if (header.opCode === OP_MSG) {
    const flags = message.readUInt32LE(HEADER_SIZE);
    // The checksum (flag bit 0) is CRC-32C; drivers only send it on request, and it is ignored here.
    const end = flags & MSG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
    let offset = HEADER_SIZE + 4;
    let body: Doc | undefined;
    const sequences: Array<[string, Doc[]]> = [];
    while (offset < end) {
      const kind = message.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        [body, offset] = readDocument(message, offset);
      } else if (kind === 1) {
        const size = message.readInt32LE(offset);
        const sectionEnd = offset + size;
        let identifier: string;
        [identifier, offset] = readCString(message, offset + 4);
        const docs: Doc[] = [];
        while (offset < sectionEnd) {
          let doc: Doc;
          [doc, offset] = readDocument(message, offset);
          docs.push(doc);
        }
        sequences.push([identifier, docs]);
      } else {
        throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
      }
    }
    if (!body) throw new ProtocolError('OP_MSG without a body section');
    for (const [identifier, docs] of sequences) body[identifier] = docs;
    return { kind: 'msg', header, flags, body };
  }
  if (header.opCode === OP_QUERY) {
    const flags = message.readInt32LE(HEADER_SIZE);
    const [fullCollectionName, offset] = readCString(message, HEADER_SIZE + 4);
    const numberToSkip = message.readInt32LE(offset);
    const numberToReturn = message.readInt32LE(offset + 4);
    const [query] = readDocument(message, offset + 8);
    return { kind: 'query', header, flags, fullCollectionName, numberToSkip, numberToReturn, query };
  }
  return { kind: 'unsupported', header };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(HEADER_SIZE);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;

export function encodeReply(requestId: number, responseTo: number, doc: Doc): Buffer {
  const payload = serialize(doc, SERIALIZE_OPTIONS);
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(8, 0); // AwaitCapable, as mongod sets it
  const cursorId = Long.ZERO;
  fields.writeInt32LE(cursorId.low, 4);
  fields.writeInt32LE(cursorId.high, 8);
  fields.writeInt32LE(0, 12);
  fields.writeInt32LE(1, 16);
  const length = HEADER_SIZE + fields.length + payload.length;
  return Buffer.concat([header(length, requestId, responseTo, OP_REPLY), fields, payload]);
}

export function encodeMsg(requestId: number, responseTo: number, doc: Doc): Buffer {
  const payload = serialize(doc, SERIALIZE_OPTIONS);
  const flags = Buffer.alloc(5); // flagBits 0, then section kind 0
  const length = HEADER_SIZE + flags.length + payload.length;
  return Buffer.concat([header(length, requestId, responseTo, OP_MSG), flags, payload]);
}

/** Splits a byte stream into whole messages (joining chunks only once a message is complete). */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < 4) break;
        const head = this.chunks[0].length >= 4 ? this.chunks[0] : Buffer.concat(this.chunks);
        const length = head.readInt32LE(0);
        if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) throw new ProtocolError(`invalid message length ${length}`);
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      messages.push(all.subarray(0, this.expected));
      const rest = all.subarray(this.expected);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.expected = undefined;
    }
    return messages;
  }
}
