// Databases and diagnostics: listDatabases, dropDatabase, dbStats, collStats, top, currentOp, fail points.
import { calculateObjectSize } from 'bson';
import { CommandError, ErrorCodes } from '../errors';
import { compileFilter } from '../query';
import { isDoc, normalizeDoc, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';
import { optionalDoc, targetCollection } from './types';

function sizeOf(ctx: CommandContext, db: string): { objects: number; bytes: number; collections: number; indexes: number } {
  let objects = 0;
  let bytes = 0;
  let indexes = 0;
  const database = ctx.server.catalog.database(db);
  for (const collection of database?.collections.values() ?? []) {
    indexes += collection.indexes.length;
    for (const visible of ctx.server.engine.scan(collection, undefined)) {
      objects += 1;
      bytes += calculateObjectSize(visible.doc);
    }
  }
  return { objects, bytes, collections: database?.collections.size ?? 0, indexes };
}

function listDatabases(ctx: CommandContext): Doc {
  const filter = compileFilter(optionalDoc(ctx.body.filter, 'filter'));
  const nameOnly = ctx.body.nameOnly === true;
  const databases: Doc[] = [];
  let totalSize = 0;
  for (const name of ctx.server.catalog.databases.keys()) {
    const sizeOnDisk = sizeOf(ctx, name).bytes;
    const entry: Doc = nameOnly ? { name } : { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    if (!filter.test(normalizeDoc(entry))) continue;
    totalSize += sizeOnDisk;
    databases.push(entry);
  }
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
}

function dropDatabase(ctx: CommandContext): Doc {
  if (ctx.db === 'admin' || ctx.db === 'local' || ctx.db === 'config') {
    throw new CommandError(ErrorCodes.IllegalOperation, `Dropping the '${ctx.db}' database is prohibited.`);
  }
  ctx.server.catalog.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
}

function dbStats(ctx: CommandContext): Doc {
  const { objects, bytes, collections, indexes } = sizeOf(ctx, ctx.db);
  return {
    db: ctx.db,
    collections,
    views: ctx.server.catalog.database(ctx.db)?.views.size ?? 0,
    objects,
    avgObjSize: objects ? bytes / objects : 0,
    dataSize: bytes,
    storageSize: bytes,
    indexes,
    indexSize: 0,
    totalSize: bytes,
    scaleFactor: 1,
    ok: 1,
  };
}

function collStats(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  const collection = ctx.server.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `Collection [${ctx.db}.${name}] not found.`);
  let count = 0;
  let size = 0;
  for (const visible of ctx.server.engine.scan(collection, undefined)) {
    count += 1;
    size += calculateObjectSize(visible.doc);
  }
  return {
    ns: collection.ns,
    count,
    size,
    avgObjSize: count ? size / count : 0,
    storageSize: size,
    nindexes: collection.indexes.length,
    totalIndexSize: 0,
    indexSizes: Object.fromEntries(collection.indexes.map((i) => [i.name, 0])),
    ok: 1,
  };
}

function renameCollection(ctx: CommandContext): Doc {
  const from = ctx.body.renameCollection;
  const to = ctx.body.to;
  if (typeof from !== 'string' || typeof to !== 'string')
    throw new CommandError(ErrorCodes.TypeMismatch, 'renameCollection and to must be namespaces');
  const split = (ns: string): [string, string] => {
    const dot = ns.indexOf('.');
    if (dot <= 0) throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid namespace specified '${ns}'`);
    return [ns.slice(0, dot), ns.slice(dot + 1)];
  };
  const [fromDb, fromName] = split(from);
  const [toDb, toName] = split(to);
  const { catalog } = ctx.server;
  catalog.refuseView(fromDb, fromName);
  const source = catalog.collection(fromDb, fromName);
  if (!source) throw new CommandError(ErrorCodes.NamespaceNotFound, 'source namespace does not exist');
  if (catalog.collection(toDb, toName)) {
    if (ctx.body.dropTarget !== true) throw new CommandError(ErrorCodes.NamespaceExists, 'target namespace exists');
    catalog.dropCollection(toDb, toName);
  }
  const target = catalog.createCollection(toDb, toName, source.options);
  for (const [key, record] of source.records) target.records.set(key, record);
  target.indexes.splice(0, target.indexes.length, ...source.indexes);
  catalog.dropCollection(fromDb, fromName);
  target.dropped = false;
  return { ok: 1 };
}

export const adminCommands: CommandTable = {
  listDatabases: { run: listDatabases, adminOnly: true },
  dropDatabase: { run: dropDatabase, write: true },
  dbStats: { run: dbStats },
  collStats: { run: collStats },
  renameCollection: { run: renameCollection, adminOnly: true, write: true },
  top: { run: (ctx) => ctx.server.top.reply(), adminOnly: true },
  currentOp: { run: () => ({ inprog: [], ok: 1 }), adminOnly: true },
  killOp: { run: () => ({ info: 'attempting to kill op', ok: 1 }), adminOnly: true },
  fsync: { run: () => ({ numFiles: 1, ok: 1 }), adminOnly: true },
  configureFailPoint: {
    run: (ctx) => ctx.server.failPoints.configure(ctx.body),
    adminOnly: true,
  },
  validate: {
    run: (ctx) => {
      const name = targetCollection(ctx);
      if (!ctx.server.catalog.collection(ctx.db, name))
        throw new CommandError(ErrorCodes.NamespaceNotFound, `Collection '${ctx.db}.${name}' does not exist to validate.`);
      return { ns: `${ctx.db}.${name}`, valid: true, errors: [], warnings: [], ok: 1 };
    },
  },
  explain: {
    run: (ctx) => {
      const inner = isDoc(ctx.body.explain) ? Object.keys(ctx.body.explain)[0] : undefined;
      throw new CommandError(ErrorCodes.NotImplemented, `explain${inner ? ` of ${inner}` : ''} is not supported by the test double`);
    },
  },
};
