// Shared helpers for the MongoDB test double's own suite. Everything goes through the real driver
// (the one mongoose bundles), so the same tests run against a real mongod with TEST_MONGOD=download.
import net from 'node:net';
import { deserialize, serialize } from 'bson';
import mongoose from 'mongoose';
import { mongoUriWithDatabase, startMongo, uniqueDatabaseName, type TestMongo } from '../src/launch';

export const { MongoClient } = mongoose.mongo;
export type Client = InstanceType<typeof MongoClient>;
export type Db = ReturnType<Client['db']>;

/** The Jest run's shared server (global setup), or one started for this file. */
export function useServer(): { readonly uri: string } {
  let own: TestMongo | undefined;
  let uri = '';
  beforeAll(async () => {
    const shared = process.env.TEST_MONGO_URI;
    if (shared) {
      uri = shared;
    } else {
      own = await startMongo();
      uri = own.uri;
    }
  }, 60_000);
  afterAll(async () => {
    await own?.stop();
  }, 60_000);
  return {
    get uri() {
      return uri;
    },
  };
}

export interface DatabaseHandle {
  readonly client: Client;
  readonly db: Db;
  readonly name: string;
  readonly serverUri: string;
  /** Another client of its own (a separate connection pool), closed after the file. */
  newClient(options?: ConstructorParameters<typeof MongoClient>[1]): Promise<Client>;
}

/** A client on a fresh database of the shared server; the database is dropped after the file. */
export function useDatabase(): DatabaseHandle {
  const server = useServer();
  let client: Client | undefined;
  let db: Db | undefined;
  const name = uniqueDatabaseName('double');
  const extra: Client[] = [];
  beforeAll(async () => {
    client = await MongoClient.connect(server.uri);
    db = client.db(name);
  });
  afterAll(async () => {
    await Promise.all(extra.map((c) => c.close()));
    await db?.dropDatabase();
    await client?.close();
  });
  return {
    get client() {
      if (!client) throw new Error('not connected yet');
      return client;
    },
    get db() {
      if (!db) throw new Error('not connected yet');
      return db;
    },
    name,
    get serverUri() {
      return server.uri;
    },
    async newClient(options) {
      const other = await MongoClient.connect(mongoUriWithDatabase(server.uri, name), options);
      extra.push(other);
      return other;
    },
  };
}

export function randomEmail(): string {
  return `user-${Math.random().toString(36).slice(2, 10)}@example.test`;
}

/** host and port of the first member of a `mongodb://` URI. */
export function hostPort(uri: string): { host: string; port: number } {
  const match = /^mongodb:\/\/([^/:,]+):(\d+)/.exec(uri);
  if (!match) throw new Error(`cannot read host:port from ${uri}`);
  return { host: match[1], port: Number(match[2]) };
}

/** Sends raw OP_MSG commands on one socket, for what drivers never send on their own (such as the
 *  same retryable write twice). */
export class WireClient {
  private requestId = 1;
  private buffer = Buffer.alloc(0);
  private waiting: Array<(reply: Record<string, unknown>) => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const length = this.buffer.readInt32LE(0);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        const body = deserialize(message.subarray(21));
        this.waiting.shift()?.(body);
      }
    });
  }

  static connect(uri: string): Promise<WireClient> {
    const { host, port } = hostPort(uri);
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  private encode(db: string, command: Record<string, unknown>, flags: number): Buffer {
    const payload = serialize({ ...command, $db: db });
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + payload.length, 0);
    header.writeInt32LE(this.requestId++, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(2013, 12);
    header.writeUInt32LE(flags, 16);
    header.writeUInt8(0, 20);
    return Buffer.concat([header, payload]);
  }

  command(db: string, command: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(this.encode(db, command, 0));
    });
  }

  /** Sends with the moreToCome flag: the server must not reply. */
  sendWithoutReply(db: string, command: Record<string, unknown>): void {
    this.socket.write(this.encode(db, command, 1 << 1));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A small seeded generator of numbers in [0, 1), so a randomised test's failure reproduces. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
