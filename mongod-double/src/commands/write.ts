// Writes: insert, update, delete, findAndModify. Each statement re-reads what it is about to change,
// so a plain write that had to wait for a transaction applies to the state that transaction left.
import { ObjectId } from 'bson';
import type { Collection } from '../catalog';
import { MustWait, type Visible } from '../engine';
import { CommandError, ErrorCodes } from '../errors';
import { compileFilter, compileProjection, parseSort, type Matcher, type QueryOptions } from '../query';
import type { DocRecord } from '../storage';
import { applyUpdate, parseUpdate, upsertSeed, type UpdateSpec } from '../update';
import { canonicalKey, intOption, isDoc, sameBson, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';
import { optionalDoc, queryOptions, requireArray, targetCollection, writeValidation } from './types';
import { enforceValidation } from '../document-validation';
import { plannedRead } from './matching';

/** Errors that fail the whole command instead of one statement (transaction control). */
function isCommandLevel(error: CommandError): boolean {
  return (
    error.code === ErrorCodes.WriteConflict || error.code === ErrorCodes.NoSuchTransaction || error.code === ErrorCodes.NotWritablePrimary
  );
}

function writeError(index: number, error: CommandError): Doc {
  return { index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.extra };
}

async function untilWritten(attempt: () => MustWait | DocRecord): Promise<DocRecord> {
  for (;;) {
    const result = attempt();
    if (!(result instanceof MustWait)) return result;
    await result.until;
  }
}

/** mongod refuses `$`-prefixed field names anywhere inside _id ("not valid for storage"). */
function checkIdStorable(id: Doc): void {
  for (const [key, value] of Object.entries(id)) {
    if (key.startsWith('$')) {
      throw new CommandError(
        ErrorCodes.DollarPrefixedFieldName,
        `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`,
      );
    }
    if (isDoc(value)) checkIdStorable(value);
  }
}

function prepareInsert(raw: unknown): Doc {
  if (!isDoc(raw)) throw new CommandError(ErrorCodes.TypeMismatch, 'documents to insert must be objects');
  if (!('_id' in raw) || raw._id === undefined) return { _id: new ObjectId(), ...raw };
  const id = raw._id;
  if (Array.isArray(id)) throw new CommandError(ErrorCodes.InvalidIdField, "The '_id' value cannot be of type array");
  if (id instanceof RegExp) throw new CommandError(ErrorCodes.InvalidIdField, "The '_id' value cannot be of type regex");
  if (isDoc(id)) checkIdStorable(id);
  if (Object.keys(raw)[0] === '_id') return raw;
  const { _id, ...rest } = raw;
  return { _id, ...rest };
}

async function insert(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const documents = requireArray(ctx.body.documents, 'documents');
  const ordered = ctx.body.ordered !== false;
  let n = 0;
  const writeErrors: Doc[] = [];
  for (let i = 0; i < documents.length; i++) {
    try {
      const doc = prepareInsert(documents[i]);
      const key = canonicalKey(doc._id);
      await untilWritten(() => {
        const target = ctx.server.engine.ensureCollection(ctx.db, name, ctx.txn);
        if (target instanceof MustWait) return target;
        enforceValidation(target.collection, doc, undefined, writeValidation(ctx));
        return ctx.server.engine.write(target.collection, key, doc, ctx.txn, true);
      });
      n += 1;
    } catch (error) {
      if (!(error instanceof CommandError) || isCommandLevel(error)) throw error;
      writeErrors.push(writeError(i, error));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

interface UpdateRequest {
  filter: Doc;
  spec: UpdateSpec;
  multi: boolean;
  upsert: boolean;
  arrayFilters: unknown[] | undefined;
  sort?: unknown;
  hint?: unknown;
  options: QueryOptions;
}

interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Doc;
  after?: Doc;
}

function upsertDocument(request: UpdateRequest): Doc {
  const seed = upsertSeed(request.filter);
  let doc: Doc;
  if (request.spec.kind === 'replacement') {
    doc = applyUpdate('_id' in seed ? { _id: seed._id } : {}, request.spec, { inserting: true });
  } else {
    doc = applyUpdate(seed, request.spec, {
      inserting: true,
      arrayFilters: request.arrayFilters,
      filter: request.filter,
      variables: request.options.variables,
    });
  }
  return prepareInsert(doc);
}

/** Updates one document (or all for multi) of the ones matching, or upserts. */
async function runUpdate(ctx: CommandContext, name: string, request: UpdateRequest): Promise<UpdateOutcome> {
  const matcher = compileFilter(request.filter, request.options);
  const sort = parseSort(request.sort);
  for (;;) {
    const candidates = plannedRead(ctx, name, {
      filter: request.filter,
      options: request.options,
      sort,
      hint: request.hint,
      limit: request.multi ? undefined : 1,
      matcher,
    }).items;
    const collection = ctx.server.catalog.collection(ctx.db, name, ctx.txn);
    if (candidates.length === 0 || !collection) {
      if (!request.upsert) return { matched: 0, modified: 0 };
      const doc = upsertDocument(request);
      const target = ctx.server.engine.ensureCollection(ctx.db, name, ctx.txn);
      if (!(target instanceof MustWait)) enforceValidation(target.collection, doc, undefined, writeValidation(ctx));
      const result =
        target instanceof MustWait ? target : ctx.server.engine.write(target.collection, canonicalKey(doc._id), doc, ctx.txn, true);
      if (result instanceof MustWait) {
        await result.until;
        continue;
      }
      return { matched: 0, modified: 0, upsertedId: doc._id, after: doc };
    }
    if (!request.multi) {
      const outcome = updateOne(ctx, collection, candidates[0], request);
      if (outcome instanceof MustWait) {
        await outcome.until;
        continue;
      }
      return outcome;
    }
    let matched = 0;
    let modified = 0;
    for (const candidate of candidates) {
      for (;;) {
        const current = ctx.server.engine.visible(candidate.record, ctx.txn);
        if (!current || !matcher.test(current.norm)) break;
        const outcome = updateOne(ctx, collection, current, request);
        if (outcome instanceof MustWait) {
          await outcome.until;
          continue;
        }
        matched += outcome.matched;
        modified += outcome.modified;
        break;
      }
    }
    return { matched, modified };
  }
}

function updateOne(ctx: CommandContext, collection: Collection, current: Visible, request: UpdateRequest): UpdateOutcome | MustWait {
  const next = applyUpdate(current.doc, request.spec, {
    inserting: false,
    arrayFilters: request.arrayFilters,
    filter: request.filter,
    variables: request.options.variables,
  });
  if (sameBson(next, current.doc)) return { matched: 1, modified: 0, before: current.doc, after: current.doc };
  enforceValidation(collection, next, current.doc, writeValidation(ctx));
  const result = ctx.server.engine.write(collection, current.record.key, next, ctx.txn, false);
  if (result instanceof MustWait) return result;
  return { matched: 1, modified: 1, before: current.doc, after: next };
}

async function update(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const statements = requireArray(ctx.body.updates, 'updates');
  // mongod 7.0's update statements have no sort (added in 8.0): the command fails to parse.
  if (statements.some((statement) => isDoc(statement) && statement.sort !== undefined)) {
    throw new CommandError(ErrorCodes.IDLUnknownField, "BSON field 'update.updates.sort' is an unknown field.");
  }
  const ordered = ctx.body.ordered !== false;
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors: Doc[] = [];
  for (let i = 0; i < statements.length; i++) {
    try {
      const statement = statements[i];
      if (!isDoc(statement)) throw new CommandError(ErrorCodes.TypeMismatch, 'update statements must be objects');
      const spec = parseUpdate(statement.u);
      const multi = statement.multi === true;
      if (multi && spec.kind === 'replacement')
        throw new CommandError(ErrorCodes.FailedToParse, 'multi update is not supported for replacement-style update');
      const outcome = await runUpdate(ctx, name, {
        filter: optionalDoc(statement.q, 'q') ?? {},
        spec,
        multi,
        upsert: statement.upsert === true,
        arrayFilters: Array.isArray(statement.arrayFilters) ? statement.arrayFilters : undefined,
        hint: statement.hint,
        options: queryOptions(ctx, name, statement.collation),
      });
      n += outcome.matched;
      nModified += outcome.modified;
      if (outcome.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: i, _id: outcome.upsertedId });
      }
    } catch (error) {
      if (!(error instanceof CommandError) || isCommandLevel(error)) throw error;
      writeErrors.push(writeError(i, error));
      if (ordered) break;
    }
  }
  const reply: Doc = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return { ...reply, ok: 1 };
}

interface DeleteRequest {
  filter: Doc;
  limitOne: boolean;
  options: QueryOptions;
  sort?: unknown;
  hint?: unknown;
}

async function deleteMatching(ctx: CommandContext, name: string, request: DeleteRequest): Promise<Doc[]> {
  const { filter, limitOne, options } = request;
  const matcher: Matcher = compileFilter(filter, options);
  const sort = parseSort(request.sort);
  const deleted: Doc[] = [];
  for (;;) {
    const collection = ctx.server.catalog.collection(ctx.db, name, ctx.txn);
    const candidates = plannedRead(ctx, name, {
      filter,
      options,
      sort,
      hint: request.hint,
      limit: limitOne ? 1 : undefined,
      matcher,
    }).items;
    if (!collection || candidates.length === 0) return deleted;
    let restart = false;
    for (const candidate of limitOne ? candidates.slice(0, 1) : candidates) {
      for (;;) {
        const current = ctx.server.engine.visible(candidate.record, ctx.txn);
        if (!current || !matcher.test(current.norm)) break;
        const result = ctx.server.engine.write(collection, current.record.key, null, ctx.txn, false);
        if (result instanceof MustWait) {
          await result.until;
          if (limitOne) {
            restart = true;
            break;
          }
          continue;
        }
        deleted.push(current.doc);
        break;
      }
      if (restart) break;
    }
    if (!restart) return deleted;
  }
}

async function remove(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const statements = requireArray(ctx.body.deletes, 'deletes');
  const ordered = ctx.body.ordered !== false;
  let n = 0;
  const writeErrors: Doc[] = [];
  for (let i = 0; i < statements.length; i++) {
    try {
      const statement = statements[i];
      if (!isDoc(statement)) throw new CommandError(ErrorCodes.TypeMismatch, 'delete statements must be objects');
      const limit = intOption(statement.limit, 0);
      const deleted = await deleteMatching(ctx, name, {
        filter: optionalDoc(statement.q, 'q') ?? {},
        limitOne: limit === 1,
        options: queryOptions(ctx, name, statement.collation),
        hint: statement.hint,
      });
      n += deleted.length;
    } catch (error) {
      if (!(error instanceof CommandError) || isCommandLevel(error)) throw error;
      writeErrors.push(writeError(i, error));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

async function findAndModify(ctx: CommandContext): Promise<Doc> {
  const name = targetCollection(ctx);
  ctx.server.catalog.refuseView(ctx.db, name);
  const filter = optionalDoc(ctx.body.query, 'query') ?? {};
  const projector = compileProjection(ctx.body.fields, filter);
  const project = (doc: Doc | undefined): Doc | null => (doc ? (projector ? projector.apply(doc, doc) : doc) : null);
  const isRemove = ctx.body.remove === true;
  if (isRemove && ctx.body.update !== undefined)
    throw new CommandError(ErrorCodes.FailedToParse, 'Cannot specify both an update and remove=true');
  if (isRemove) {
    if (ctx.body.upsert === true) throw new CommandError(ErrorCodes.FailedToParse, 'Cannot specify both upsert=true and remove=true');
    const [deleted] = await deleteMatching(ctx, name, {
      filter,
      limitOne: true,
      options: queryOptions(ctx, name),
      sort: ctx.body.sort,
      hint: ctx.body.hint,
    });
    return { lastErrorObject: { n: deleted ? 1 : 0 }, value: project(deleted), ok: 1 };
  }
  if (ctx.body.update === undefined) throw new CommandError(ErrorCodes.FailedToParse, 'Either an update or remove=true must be specified');
  const outcome = await runUpdate(ctx, name, {
    filter,
    spec: parseUpdate(ctx.body.update),
    multi: false,
    upsert: ctx.body.upsert === true,
    arrayFilters: Array.isArray(ctx.body.arrayFilters) ? ctx.body.arrayFilters : undefined,
    sort: ctx.body.sort,
    hint: ctx.body.hint,
    options: queryOptions(ctx, name),
  });
  const returnNew = ctx.body.new === true;
  const lastErrorObject: Doc = { n: outcome.matched > 0 || outcome.upsertedId !== undefined ? 1 : 0, updatedExisting: outcome.matched > 0 };
  if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
  const value = returnNew ? outcome.after : outcome.before;
  return { lastErrorObject, value: project(value), ok: 1 };
}

export const writeCommands: CommandTable = {
  insert: { run: insert, inTransaction: true, retryableWrite: true, write: true },
  update: { run: update, inTransaction: true, retryableWrite: true, write: true },
  delete: { run: remove, inTransaction: true, retryableWrite: true, write: true },
  findAndModify: { run: findAndModify, inTransaction: true, retryableWrite: true, write: true },
  findandmodify: { run: findAndModify, inTransaction: true, retryableWrite: true, write: true },
};
