// Collections and indexes: create, drop, listCollections, createIndexes, listIndexes, dropIndexes.
import { parseCollation } from '../collation';
import { MustWait } from '../engine';
import { CommandError, ErrorCodes } from '../errors';
import { Index, defaultIndexName, sameIndexOptions, sameKeyPattern } from '../indexes';
import { compileFilter } from '../query';
import { isDoc, normalizeDoc, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';
import { optionalDoc, requireArray, targetCollection } from './types';
import { cursorReply } from './matching';
import { createView, modifyView, viewEntry } from './views';
import { VALIDATION_OPTIONS, checkValidationOptions } from '../document-validation';

/** Fields any command may carry; the rest of a create command are the collection's options. */
const GENERIC_FIELDS = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'writeConcern',
  'readConcern',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

function collMod(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  const view = ctx.server.catalog.view(ctx.db, name);
  if (view) return modifyView(ctx, view);
  const collection = ctx.server.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  if (ctx.body.viewOn !== undefined || ctx.body.pipeline !== undefined) {
    throw new CommandError(
      ErrorCodes.InvalidOptions,
      `option only supported on a view: ${ctx.body.viewOn !== undefined ? 'viewOn' : 'pipeline'}`,
    );
  }
  const changes: Doc = {};
  for (const option of VALIDATION_OPTIONS) if (ctx.body[option] !== undefined) changes[option] = ctx.body[option];
  checkValidationOptions(changes);
  Object.assign(collection.options, changes);
  return { ok: 1 };
}

async function create(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  if (ctx.body.viewOn !== undefined) return createView(ctx, name);
  if (ctx.body.pipeline !== undefined)
    throw new CommandError(ErrorCodes.InvalidOptions, "'pipeline' requires 'viewOn' to also be specified");
  const options: Doc = {};
  for (const [key, value] of Object.entries(ctx.body)) {
    if (key === 'create' || key.startsWith('$') || GENERIC_FIELDS.has(key)) continue;
    options[key] = value;
  }
  parseCollation(options.collation);
  checkValidationOptions(options);
  for (;;) {
    const created = ctx.server.engine.createCollection(ctx.db, name, options, ctx.txn);
    if (!(created instanceof MustWait)) return { ok: 1 };
    await created.until;
  }
}

function drop(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  if (ctx.server.catalog.dropView(ctx.db, name)) return { ns: `${ctx.db}.${name}`, ok: 1 };
  const dropped = ctx.server.catalog.dropCollection(ctx.db, name);
  // Since MongoDB 7.0 dropping a missing collection succeeds.
  if (!dropped) return { ok: 1 };
  return { nIndexesWas: dropped.indexes.length, ns: dropped.ns, ok: 1 };
}

function listCollections(ctx: CommandContext): Doc {
  const database = ctx.server.catalog.database(ctx.db);
  const filter = compileFilter(optionalDoc(ctx.body.filter, 'filter'));
  const nameOnly = ctx.body.nameOnly === true;
  const entries: Doc[] = [];
  for (const collection of database?.collections.values() ?? []) {
    if (collection.owner) continue;
    const entry: Doc = nameOnly
      ? { name: collection.name, type: 'collection' }
      : {
          name: collection.name,
          type: 'collection',
          options: collection.options,
          info: { readOnly: false, uuid: collection.uuid },
          idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
        };
    if (filter.test(normalizeDoc(entry))) entries.push(entry);
  }
  for (const view of database?.views.values() ?? []) {
    const entry = viewEntry(view, nameOnly);
    if (filter.test(normalizeDoc(entry))) entries.push(entry);
  }
  return cursorReply(ctx, `${ctx.db}.$cmd.listCollections`, entries);
}

async function createIndexes(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const specs = requireArray(ctx.body.indexes, 'indexes');
  if (specs.length === 0) throw new CommandError(ErrorCodes.BadValue, 'Must specify at least one index to create');
  const existing = ctx.server.catalog.collection(ctx.db, name, ctx.txn);
  if (ctx.txn && existing && existing.owner !== ctx.txn) {
    throw new CommandError(
      ErrorCodes.OperationNotSupportedInTransaction,
      `Cannot create new indexes on existing collection ${existing.ns} in a multi-document transaction.`,
    );
  }
  let target = ctx.server.engine.ensureCollection(ctx.db, name, ctx.txn);
  while (target instanceof MustWait) {
    await target.until;
    target = ctx.server.engine.ensureCollection(ctx.db, name, ctx.txn);
  }
  const { collection, created } = target;
  const before = collection.indexes.length;
  let added = 0;
  for (const spec of specs) {
    if (!isDoc(spec)) throw new CommandError(ErrorCodes.TypeMismatch, 'index specification must be an object');
    if (!isDoc(spec.key))
      throw new CommandError(ErrorCodes.FailedToParse, "The 'key' field is a required property of an index specification");
    // An index without a collation of its own takes the collection's default, as in mongod.
    const collation = spec.collation ?? collection.options.collation;
    const index = new Index({
      ...spec,
      ...(collation === undefined ? {} : { collation }),
      name: typeof spec.name === 'string' ? spec.name : defaultIndexName(spec.key),
    });
    const sameName = collection.findIndex(index.name);
    const sameKey = collection.indexes.find((existing) => sameKeyPattern(existing.key, index.key));
    if (sameName) {
      if (!sameKeyPattern(sameName.key, index.key)) {
        throw new CommandError(
          ErrorCodes.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(index.spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
        );
      }
      if (!sameIndexOptions(sameName, index)) {
        throw new CommandError(
          ErrorCodes.IndexOptionsConflict,
          `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(index.spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
        );
      }
      continue;
    }
    if (
      sameKey &&
      JSON.stringify(sameKey.spec.partialFilterExpression ?? null) === JSON.stringify(index.spec.partialFilterExpression ?? null)
    ) {
      throw new CommandError(ErrorCodes.IndexOptionsConflict, `Index already exists with a different name: ${sameKey.name}`);
    }
    ctx.server.engine.buildIndex(collection, index);
    collection.indexes.push(index);
    added += 1;
  }
  const reply: Doc = { numIndexesBefore: before, numIndexesAfter: collection.indexes.length, createdCollectionAutomatically: created };
  if (added === 0) reply.note = 'all indexes already exist';
  return { ...reply, ok: 1 };
}

function listIndexes(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const collection = ctx.server.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  return cursorReply(
    ctx,
    collection.ns,
    collection.indexes.map((index) => ({ ...index.spec })),
  );
}

function dropIndexes(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const collection = ctx.server.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const before = collection.indexes.length;
  const target = ctx.body.index;
  const remove = (predicate: (index: Index) => boolean, what: string): void => {
    const position = collection.indexes.findIndex(predicate);
    if (position < 0) throw new CommandError(ErrorCodes.IndexNotFound, `index not found with ${what}`);
    if (collection.indexes[position].isIdIndex) throw new CommandError(ErrorCodes.InvalidOptions, 'cannot drop _id index');
    collection.indexes.splice(position, 1);
  };
  if (target === '*') {
    collection.indexes.splice(1);
  } else if (typeof target === 'string') {
    remove((index) => index.name === target, `name ${target}`);
  } else if (Array.isArray(target)) {
    for (const indexName of target) remove((index) => index.name === indexName, `name ${String(indexName)}`);
  } else if (isDoc(target)) {
    remove((index) => sameKeyPattern(index.key, target), `key pattern ${JSON.stringify(target)}`);
  } else {
    throw new CommandError(ErrorCodes.TypeMismatch, 'index must be a string, an array of names or a key pattern');
  }
  return { nIndexesWas: before, ok: 1 };
}

export const ddlCommands: CommandTable = {
  create: { run: create, inTransaction: true, write: true },
  drop: { run: drop, write: true },
  listCollections: { run: listCollections, read: true },
  createIndexes: { run: createIndexes, inTransaction: true, write: true },
  listIndexes: { run: listIndexes, read: true },
  dropIndexes: { run: dropIndexes, write: true },
  deleteIndexes: { run: dropIndexes, write: true },
  collMod: { run: collMod, write: true },
};
