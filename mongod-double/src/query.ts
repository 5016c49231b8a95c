// Filters, sorts, projections and aggregation pipelines. Matching and aggregation are mingo's, run on
// the normalised view (values.ts); sorting and plain projections are done here on the stored
// documents so their BSON types survive.
import { Query, find as mingoFind } from 'mingo';
import { Context } from 'mingo/core';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { Query as BaseQuery } from 'mingo/query';
import type { AnyObject } from 'mingo/types';
import type { Collation } from './collation';
import { CommandError, ErrorCodes, badValue } from './errors';
import { collatedAggregator, collatedQuery, plainAggregator } from './mingo-context';
import {
  compareValues,
  deepCopy,
  getPathValues,
  isDoc,
  normalize,
  normalizeDoc,
  reconcileTypes,
  restore,
  toNumber,
  type Doc,
  type OriginMap,
} from './values';

export interface Matcher {
  /** Tests a normalised document. */
  test(norm: Doc): boolean;
}

/** What a query runs with besides its filter: the collation and `let` variables. */
export interface QueryOptions {
  collation?: Collation;
  variables?: Doc;
}

const MATCH_ALL: Matcher = { test: () => true };

// mingo copies every operator of a query's context into a new one for each query it builds: with all
// of them (140 expression operators among them), that copy was 8 % of the double's CPU under the
// suite's load. A filter without an aggregation expression needs only the query operators.
const QUERY_ONLY = Context.init({ query: queryOperators, projection: projectionOperators });
const EXPRESSION_KEYS = new Set(['$expr', '$where', '$function', '$jsonSchema']);

/** Whether a filter holds anything that is evaluated as an aggregation expression. */
function usesExpressions(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesExpressions);
  if (!isDoc(value)) return false;
  for (const key of Object.keys(value)) {
    if (EXPRESSION_KEYS.has(key) || usesExpressions(value[key])) return true;
  }
  return false;
}

function mingoError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return badValue(message);
}

export function compileFilter(filter: unknown, options: QueryOptions = {}): Matcher {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (!isDoc(filter)) throw new CommandError(ErrorCodes.TypeMismatch, 'filter must be an object');
  if (Object.keys(filter).length === 0) return MATCH_ALL;
  const variables = options.variables && (normalize(options.variables) as AnyObject);
  try {
    const condition = normalize(filter) as AnyObject;
    const query = options.collation
      ? collatedQuery(condition, { collation: options.collation, variables })
      : usesExpressions(condition)
        ? new Query(condition, { variables })
        : new BaseQuery(condition, { context: QUERY_ONLY });
    // An error evaluating the filter ($expr dividing by zero, ...) is the user's: BadValue, as mongod.
    return {
      test: (norm) => {
        try {
          return query.test(norm);
        } catch (error) {
          throw mingoError(error);
        }
      },
    };
  } catch (error) {
    throw mingoError(error);
  }
}

/** The _id a filter pins exactly (`{ _id: v }` or `{ _id: { $eq: v } }`), for a point lookup. */
export function pinnedId(filter: unknown, collation?: Collation): { id: unknown } | undefined {
  if (!isDoc(filter) || !('_id' in filter)) return undefined;
  const value = filter._id;
  // Under a collation a string _id may equal others: scan.
  if (collation && typeof value !== 'object') return undefined;
  if (isDoc(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$eq' && !isDoc(value.$eq) && !Array.isArray(value.$eq)) return { id: value.$eq };
    if (keys.some((k) => k.startsWith('$'))) return undefined;
    return { id: value };
  }
  if (Array.isArray(value) || value instanceof RegExp) return undefined;
  return { id: value };
}

// ---------------------------------------------------------------------------------------------
// Sorting

export interface SortField {
  path: string;
  direction: 1 | -1;
}

export function parseSort(sort: unknown): SortField[] {
  if (sort === undefined || sort === null) return [];
  if (!isDoc(sort)) throw badValue('sort must be an object');
  const fields: SortField[] = [];
  for (const [path, direction] of Object.entries(sort)) {
    if (path === '$natural') continue;
    if (isDoc(direction)) continue; // { $meta: 'textScore' }: no text search here
    const n = toNumber(direction);
    if (n !== 1 && n !== -1) throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    fields.push({ path, direction: n });
  }
  return fields;
}

function sortKey(norm: Doc, field: SortField, strings?: Collation['compare']): unknown {
  const values: unknown[] = [];
  for (const value of getPathValues(norm, field.path)) {
    if (Array.isArray(value)) values.push(...value);
    else values.push(value);
  }
  if (values.length === 0) return undefined;
  let best = values[0];
  for (const value of values.slice(1)) {
    const c = compareValues(value, best, strings);
    if ((field.direction === 1 && c < 0) || (field.direction === -1 && c > 0)) best = value;
  }
  return best;
}

/** Stable sort of items by their normalised documents. */
export function sortItems<T extends { norm: Doc }>(items: T[], fields: SortField[], collation?: Collation): T[] {
  if (fields.length === 0) return items;
  const strings = collation?.compare;
  const keyed = items.map((item) => ({ item, keys: fields.map((field) => sortKey(item.norm, field, strings)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], strings);
      if (c !== 0) return c * fields[i].direction;
    }
    return 0;
  });
  return keyed.map((k) => k.item);
}

// ---------------------------------------------------------------------------------------------
// Projection

export interface Projector {
  apply(doc: Doc, norm: Doc): Doc;
}

function isSimpleProjection(projection: Doc): boolean {
  return Object.entries(projection).every(
    ([path, value]) =>
      !path.includes('$') && (typeof value === 'boolean' || (typeof value !== 'string' && !isDoc(value) && !Array.isArray(value))),
  );
}

function copyPath(source: unknown, target: Doc, parts: string[]): void {
  if (!isDoc(source)) return;
  const [head, ...rest] = parts;
  if (!(head in source)) return;
  const value = source[head];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  if (isDoc(value)) {
    const child = isDoc(target[head]) ? (target[head] as Doc) : {};
    copyPath(value, child, rest);
    target[head] = child;
  } else if (Array.isArray(value)) {
    const existing = Array.isArray(target[head]) ? (target[head] as Doc[]) : [];
    const projected: Doc[] = [];
    let i = 0;
    for (const element of value) {
      if (!isDoc(element)) continue;
      const child = existing[i] ?? {};
      copyPath(element, child, rest);
      projected.push(child);
      i += 1;
    }
    target[head] = projected;
  }
}

function removePath(target: unknown, parts: string[]): void {
  if (Array.isArray(target)) {
    for (const element of target) removePath(element, parts);
    return;
  }
  if (!isDoc(target)) return;
  const [head, ...rest] = parts;
  if (rest.length === 0) delete target[head];
  else removePath(target[head], rest);
}

export function compileProjection(projection: unknown, filter?: Doc): Projector | undefined {
  if (projection === undefined || projection === null) return undefined;
  if (!isDoc(projection)) throw badValue('projection must be an object');
  const entries = Object.entries(projection);
  if (entries.length === 0) return undefined;
  if (!isSimpleProjection(projection)) {
    // Operators ($slice, $elemMatch, positional, expressions): mingo, then original types where untouched.
    const normalizedProjection = normalize(projection) as AnyObject;
    const normalizedFilter = (filter ? normalize(filter) : {}) as AnyObject;
    return {
      apply(doc) {
        const origins: OriginMap = new WeakMap();
        const norm = normalizeDoc(doc, origins);
        try {
          const [out] = mingoFind([norm], normalizedFilter, normalizedProjection).all();
          return restore(out ?? {}, origins) as Doc;
        } catch (error) {
          throw mingoError(error);
        }
      },
    };
  }
  const truthy = (value: unknown): boolean => (typeof value === 'boolean' ? value : toNumber(value) !== 0);
  const includeId = projection._id === undefined ? true : truthy(projection._id);
  const fields = entries.filter(([path]) => path !== '_id');
  const inclusion = fields.some(([, value]) => truthy(value));
  if (inclusion) {
    const excluded = fields.find(([, value]) => !truthy(value));
    if (excluded) {
      throw new CommandError(31254, `Cannot do exclusion on field ${excluded[0]} in inclusion projection`);
    }
    const paths = fields.map(([path]) => path.split('.'));
    return {
      apply(doc) {
        const out: Doc = {};
        if (includeId && '_id' in doc) out._id = doc._id;
        for (const parts of paths) copyPath(doc, out, parts);
        return out;
      },
    };
  }
  const paths = fields.map(([path]) => path.split('.'));
  return {
    apply(doc) {
      const out = deepCopy(doc);
      if (!includeId) delete out._id;
      for (const parts of paths) removePath(out, parts);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Aggregation

export type CollectionSource = (name: string) => Doc[];

/** Runs a pipeline over stored documents; `from` collections of $lookup/$unionWith/$graphLookup come
 *  from `source` (same database). */
export function runPipeline(docs: Doc[], pipeline: unknown[], source: CollectionSource, options: QueryOptions = {}): Doc[] {
  for (const stage of pipeline) {
    if (!isDoc(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
  }
  const origins: OriginMap = new WeakMap();
  const input = docs.map((doc) => normalizeDoc(doc, origins));
  const variables = options.variables && (normalize(options.variables) as AnyObject);
  const collectionResolver = (name: string): AnyObject[] => source(name).map((doc) => normalizeDoc(doc, origins)) as AnyObject[];
  const stages = normalize(pipeline) as AnyObject[];
  try {
    const aggregator = options.collation
      ? collatedAggregator(stages, { collation: options.collation, variables, collectionResolver })
      : plainAggregator(stages, { collectionResolver, variables });
    return aggregator.run(input as AnyObject[]).map((out) => restore(out, origins) as Doc);
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw mingoError(error);
  }
}

/** Applies an aggregation-pipeline update ($set, $unset, $replaceWith, ...) to one document. */
export function applyPipelineUpdate(doc: Doc, pipeline: unknown[], variables?: Doc): Doc {
  const allowed = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);
  for (const stage of pipeline) {
    const name = isDoc(stage) ? Object.keys(stage)[0] : undefined;
    if (!name || !allowed.has(name)) {
      throw new CommandError(ErrorCodes.InvalidOptions, `${String(name)} is not allowed to be used within an update`);
    }
  }
  const [out] = runPipeline([doc], pipeline, () => [], { variables });
  if (!out) throw badValue('pipeline update produced no document');
  return reconcileTypes(out, doc) as Doc;
}
