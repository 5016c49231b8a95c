// Jest helper: mongoose on a fresh database of the run's shared replica set (see @ticketing/mongod-double).
import defaultMongoose from 'mongoose';
import { mongoUriWithDatabase, startMongo, uniqueDatabaseName, type TestMongo } from '@ticketing/mongod-double';
import { jestLifecycle } from './jest-hooks';

type Mongoose = typeof import('mongoose');

/** Jest helper for one test file: connects mongoose to a fresh database (on TEST_MONGO_URI from the
 *  global setup, else on a server of its own), builds every registered model's indexes, empties all
 *  collections before each test (indexes stay), and drops the database and disconnects at the end. */
export function useMongoose(opts: { mongoose?: Mongoose } = {}): { readonly uri: string } {
  const hooks = jestLifecycle('useMongoose()');
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

/**
 * Jest helper for files that count database commands: connects mongoose (command monitoring on, which is
 * chosen when the client is built) to a fresh database, runs `init` (the collections and indexes the
 * file needs), and records `name collection` of every command sent in `commands`, emptied before each
 * test. Unlike useMongoose it does not empty the collections between tests (that would be commands
 * too); the database is dropped at the end.
 */
export function useWatchedMongoose(init: () => Promise<unknown>, opts: { mongoose?: Mongoose } = {}): { commands: string[] } {
  const hooks = jestLifecycle('useWatchedMongoose()');
  const instance = opts.mongoose ?? defaultMongoose;
  const commands: string[] = [];
  let own: TestMongo | undefined;
  hooks.beforeAll(async () => {
    let base = process.env.TEST_MONGO_URI;
    if (!base) {
      own = await startMongo();
      base = own.uri;
    }
    await instance.connect(mongoUriWithDatabase(base, uniqueDatabaseName()), { monitorCommands: true });
    await init();
    instance.connection.getClient().on('commandStarted', (e) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
  }, 60_000);
  hooks.beforeEach(() => {
    commands.length = 0;
  });
  hooks.afterAll(async () => {
    try {
      await instance.connection.dropDatabase();
    } finally {
      await instance.disconnect();
      await own?.stop();
    }
  }, 60_000);
  return { commands };
}

/** A fresh ObjectId as 24 hex digits. */
export function newId(): string {
  return new defaultMongoose.Types.ObjectId().toHexString();
}
