// Reads: find, getMore, killCursors, count, distinct, aggregate.
import { Long } from 'bson';
import { CommandError, ErrorCodes } from '../errors';
import { foldStrings } from '../collation';
import { compileFilter, compileProjection, parseSort, sortItems } from '../query';
import { canonicalKey, getPathValues, intOption, isNumeric, normalizeDoc, toNumber, type Doc } from '../values';
import { aggregate } from './aggregate';
import { cursorReply, plannedRead, type ReadRequest } from './matching';
import { documentsOf } from './views';
import type { CommandContext, CommandTable } from './types';
import { optionalDoc, queryOptions, requireArray, targetCollection } from './types';

/** What a read sees of a collection (through the planner) or a view (computed through its
 *  pipeline), filtered and sorted. */
export function readItems(ctx: CommandContext, name: string, request: ReadRequest): Array<{ doc: Doc; norm: Doc }> {
  if (!ctx.server.catalog.view(ctx.db, name)) return plannedRead(ctx, name, request).items;
  const matcher = compileFilter(request.filter, request.options);
  const items = documentsOf(ctx, name)
    .map((doc) => ({ doc, norm: normalizeDoc(doc) }))
    .filter((item) => matcher.test(item.norm));
  return sortItems(items, request.sort ?? [], request.options.collation);
}

/** find's options: filter, sort, skip, limit, hint, as the planner takes them. */
export function findRequest(ctx: CommandContext, name: string): ReadRequest & { skip: number; limit: number; singleBatch: boolean } {
  const filter = optionalDoc(ctx.body.filter, 'filter');
  const skip = intOption(ctx.body.skip, 0);
  if (skip < 0) throw new CommandError(ErrorCodes.BadValue, 'skip value must be non-negative');
  let limit = intOption(ctx.body.limit, 0);
  let singleBatch = ctx.body.singleBatch === true;
  if (limit < 0) {
    limit = -limit;
    singleBatch = true;
  }
  const options = queryOptions(ctx, name);
  const sort = parseSort(ctx.body.sort);
  return { filter, options, sort, rawSort: ctx.body.sort, hint: ctx.body.hint, skip, limit, singleBatch };
}

function find(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  const request = findRequest(ctx, name);
  const { skip, limit, singleBatch } = request;
  const projector = compileProjection(ctx.body.projection, request.filter);
  const items = readItems(ctx, name, { ...request, limit: limit > 0 ? skip + limit : undefined });
  const selected = items.slice(skip, limit > 0 ? skip + limit : undefined);
  const docs = selected.map((item) => (projector ? projector.apply(item.doc, item.norm) : item.doc));
  const batchSize = ctx.body.batchSize === undefined ? undefined : intOption(ctx.body.batchSize, 101);
  return cursorReply(ctx, `${ctx.db}.${name}`, docs, { batchSize, singleBatch });
}

/** Cursor ids are int64; integral numbers of other types are accepted too. */
function cursorIdOf(value: unknown): Long | undefined {
  if (value instanceof Long) return value;
  if (!isNumeric(value)) return undefined;
  const n = toNumber(value);
  return Number.isInteger(n) ? Long.fromNumber(n) : undefined;
}

function getMore(ctx: CommandContext): Doc {
  const id = cursorIdOf(ctx.body.getMore);
  if (!id) throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
  const collection = typeof ctx.body.collection === 'string' ? ctx.body.collection : '';
  const cursor = ctx.server.cursors.get(id);
  if (!cursor) throw new CommandError(ErrorCodes.CursorNotFound, `cursor id ${id.toString()} not found`);
  const ns = `${ctx.db}.${collection}`;
  if (cursor.ns !== ns && !cursor.ns.startsWith(`${ctx.db}.$cmd`)) {
    throw new CommandError(13, `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
  }
  const batchSize = ctx.body.batchSize === undefined ? undefined : intOption(ctx.body.batchSize, 0) || undefined;
  const batch = ctx.server.cursors.next(cursor, batchSize);
  return { cursor: { nextBatch: batch.docs, id: batch.cursorId, ns: cursor.ns }, ok: 1 };
}

function killCursors(ctx: CommandContext): Doc {
  const ids = requireArray(ctx.body.cursors, 'cursors');
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids) {
    const id = cursorIdOf(raw);
    if (id && ctx.server.cursors.kill(id)) killed.push(id);
    else if (id) notFound.push(id);
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

function count(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  const skip = intOption(ctx.body.skip, 0);
  const limit = Math.abs(intOption(ctx.body.limit, 0));
  const query = optionalDoc(ctx.body.query, 'query');
  if ((!query || Object.keys(query).length === 0) && ctx.body.hint === undefined && !ctx.server.catalog.view(ctx.db, name)) {
    // A count of the whole collection (estimatedDocumentCount) counts what the reader sees, without
    // matching (or normalising) a single document, as mongod answers it from the collection's metadata.
    const collection = ctx.server.catalog.collection(ctx.db, name, ctx.txn);
    let n = Math.max(0, ctx.server.engine.countVisible(collection, ctx.txn) - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  }
  const items = readItems(ctx, name, {
    filter: query,
    options: queryOptions(ctx, name),
    hint: ctx.body.hint,
    limit: limit > 0 ? skip + limit : undefined,
  });
  let n = Math.max(0, items.length - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
}

function distinct(ctx: CommandContext): Doc {
  const name = targetCollection(ctx);
  const key = ctx.body.key;
  if (typeof key !== 'string') throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'distinct.key' is missing or not a string");
  const seen = new Map<string, unknown>();
  const options = queryOptions(ctx, name);
  for (const item of readItems(ctx, name, { filter: optionalDoc(ctx.body.query, 'query'), options, hint: ctx.body.hint })) {
    for (const value of getPathValues(item.doc, key)) {
      for (const element of Array.isArray(value) ? value : [value]) {
        if (element === undefined) continue;
        const k = canonicalKey(foldStrings(element, options.collation));
        if (!seen.has(k)) seen.set(k, element);
      }
    }
  }
  return { values: [...seen.values()], ok: 1 };
}

export const readCommands: CommandTable = {
  find: { run: find, inTransaction: true, read: true },
  getMore: { run: getMore, inTransaction: true },
  killCursors: { run: killCursors, inTransaction: true },
  count: { run: count, read: true },
  distinct: { run: distinct, inTransaction: true, read: true },
  aggregate: { run: aggregate, inTransaction: true, read: true },
};
