// MongoDB for tests: a single-node replica set (transactions need one) through mongodb-memory-server.
// By default it runs the MongoDB test double (testkit/bin/mongod, see docs/mongod-double.md); with
// MONGOMS_SYSTEM_BINARY set, or TEST_MONGOD=download, the same tests run against a real mongod.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import defaultMongoose from 'mongoose';

export interface TestMongo {
  /** Connection string of the replica set, without a database (`mongodb://127.0.0.1:PORT/?replicaSet=NAME`). */
  uri: string;
  stop(): Promise<void>;
}

/** The executable mongodb-memory-server launches as `mongod` unless told otherwise. */
export const MONGOD_DOUBLE_BINARY = path.resolve(__dirname, '..', 'bin', 'mongod');
/** The mongod version the double reports. */
export const MONGOD_DOUBLE_VERSION = '7.0.14';

const DOUBLE_ENTRY = path.resolve(__dirname, '..', 'dist', 'mongod', 'main.js');

function usesDouble(): boolean {
  if (process.env.TEST_MONGOD === 'download') return false;
  const configured = process.env.MONGOMS_SYSTEM_BINARY;
  return !configured || path.resolve(configured) === MONGOD_DOUBLE_BINARY;
}

/** Starts a single-node replica set. Uses the double (testkit/bin/mongod via MONGOMS_SYSTEM_BINARY)
 *  unless MONGOMS_SYSTEM_BINARY is already set, or TEST_MONGOD=download asks for a real downloaded
 *  mongod (then mongodb-memory-server's defaults apply). `args` are extra mongod arguments, e.g.
 *  `['--setParameter', 'ttlMonitorSleepSecs=1']`. */
export async function startMongo(opts: { replSetName?: string; args?: string[] } = {}): Promise<TestMongo> {
  const double = usesDouble();
  if (double) {
    if (!fs.existsSync(DOUBLE_ENTRY)) {
      throw new Error(`The MongoDB test double is not built (${DOUBLE_ENTRY} is missing): run \`npm run build\` first.`);
    }
    process.env.MONGOMS_SYSTEM_BINARY = MONGOD_DOUBLE_BINARY;
  }
  const replSet = await MongoMemoryReplSet.create({
    replSet: { count: 1, name: opts.replSetName ?? 'testset' },
    // The version matches what the double reports, so mongodb-memory-server does not warn about it.
    ...(double ? { binary: { version: MONGOD_DOUBLE_VERSION } } : {}),
    instanceOpts: [{ launchTimeout: 30_000, args: opts.args ?? [] }],
  });
  const uri = replSet.getUri();
  let stopped: Promise<void> | undefined;
  return {
    uri,
    stop(): Promise<void> {
      stopped ??= replSet.stop({ doCleanup: true, force: true }).then(() => undefined);
      return stopped;
    },
  };
}

/** `uri` with its database path set to `db`, keeping the options. */
export function mongoUriWithDatabase(uri: string, db: string): string {
  const schemeEnd = uri.indexOf('://');
  const hostsStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const slash = uri.indexOf('/', hostsStart);
  const question = uri.indexOf('?', hostsStart);
  if (slash < 0 || (question >= 0 && question < slash)) {
    const hostsEnd = question < 0 ? uri.length : question;
    return `${uri.slice(0, hostsEnd)}/${db}${uri.slice(hostsEnd)}`;
  }
  const queryStart = uri.indexOf('?', slash);
  return `${uri.slice(0, slash + 1)}${db}${queryStart < 0 ? '' : uri.slice(queryStart)}`;
}

/** A database name no other test file uses. */
export function uniqueDatabaseName(prefix = 'test'): string {
  const worker = process.env.JEST_WORKER_ID ?? '0';
  return `${prefix}_${process.pid}_${worker}_${randomBytes(4).toString('hex')}`;
}

type HookFn = () => Promise<void> | void;
interface JestLifecycle {
  beforeAll(fn: HookFn, timeout?: number): void;
  beforeEach(fn: HookFn, timeout?: number): void;
  afterAll(fn: HookFn, timeout?: number): void;
}

function jestLifecycle(): JestLifecycle {
  const g = globalThis as Partial<JestLifecycle>;
  if (typeof g.beforeAll !== 'function' || typeof g.beforeEach !== 'function' || typeof g.afterAll !== 'function') {
    throw new Error('useMongoose() registers Jest hooks: call it at the top level of a Jest test file');
  }
  return g as JestLifecycle;
}

type Mongoose = typeof import('mongoose');

/** Jest helper for one test file: connects mongoose to a fresh database (on TEST_MONGO_URI from the
 *  global setup, else on a server of its own), builds every registered model's indexes, empties all
 *  collections before each test (indexes stay), and drops the database and disconnects at the end. */
export function useMongoose(opts: { mongoose?: Mongoose } = {}): { readonly uri: string } {
  const hooks = jestLifecycle();
  const instance = opts.mongoose ?? defaultMongoose;
  let own: TestMongo | undefined;
  let uri = '';

  hooks.beforeAll(async () => {
    let base = process.env.TEST_MONGO_URI;
    if (!base) {
      own = await startMongo();
      base = own.uri;
    }
    uri = mongoUriWithDatabase(base, uniqueDatabaseName());
    await instance.connect(uri);
    await Promise.all(Object.values(instance.models).map((model) => model.init()));
  }, 60_000);

  hooks.beforeEach(async () => {
    const db = instance.connection.db;
    if (!db) return;
    const collections = await db.collections();
    await Promise.all(collections.filter((c) => !c.collectionName.startsWith('system.')).map((c) => c.deleteMany({})));
  });

  hooks.afterAll(async () => {
    try {
      if (instance.connection.readyState === 1) await instance.connection.dropDatabase();
    } finally {
      await instance.disconnect();
      if (own) await own.stop();
    }
  }, 60_000);

  return {
    get uri(): string {
      return uri;
    },
  };
}
