// Launches a single-node replica set (transactions need one) through mongodb-memory-server. By default
// it runs this package's double (bin/mongod); with MONGOMS_SYSTEM_BINARY set, or TEST_MONGOD=download,
// the same callers get a real mongod.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';

export interface TestMongo {
  /** Connection string of the replica set, without a database (`mongodb://127.0.0.1:PORT/?replicaSet=NAME`). */
  uri: string;
  stop(): Promise<void>;
}

/** The executable mongodb-memory-server launches as `mongod` unless told otherwise. */
export const MONGOD_DOUBLE_BINARY = path.resolve(__dirname, '..', 'bin', 'mongod');
/** The mongod version the double reports. */
export const MONGOD_DOUBLE_VERSION = '7.0.14';

const DOUBLE_ENTRY = path.resolve(__dirname, '..', 'dist', 'main.js');

function usesDouble(): boolean {
  if (process.env.TEST_MONGOD === 'download') return false;
  const configured = process.env.MONGOMS_SYSTEM_BINARY;
  return !configured || path.resolve(configured) === MONGOD_DOUBLE_BINARY;
}

/** Starts a single-node replica set. Uses the double (bin/mongod via MONGOMS_SYSTEM_BINARY)
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
