// The query planner: which index (if any) a query scans, with which bounds and direction, and whether
// the scan yields the requested sort. One plan is built per usable index and the best is taken
// deterministically (no plan cache, no trial runs): most leading fields bound by equality or $in,
// then the fewest keys in the bounds' ranges, then a plan that gives the sort, then the index name.
import type { Collation } from './collation';
import {
  FULL_RANGE,
  inIntervals,
  intersectIntervals,
  isFullRange,
  isOperatorDoc,
  isPoint,
  isPointValue,
  pointIntervals,
  rangeInterval,
  type Interval,
  type Strings,
} from './bounds';
import type { Collection } from './catalog';
import { CommandError, ErrorCodes } from './errors';
import type { Index } from './indexes';
import { pinnedId, type SortField } from './query';
import { isDoc, normalize, toNumber, type Doc } from './values';

/** What one predicate of a filter says about a path. */
type Clause =
  { kind: 'points'; values: unknown[] } | { kind: 'range'; op: string; value: unknown } | { kind: 'exists' } | { kind: 'other' };

export interface IndexScanPlan {
  kind: 'ixscan';
  index: Index;
  /** Per index field, intervals in value order. */
  bounds: Interval[][];
  direction: 1 | -1;
  providesSort: boolean;
  /** Leading fields bound by equality or $in. */
  equalityFields: number;
  estimate: number;
  /** Filter paths the bounds answer exactly (left out of FETCH's filter in explain). */
  covered: Set<string>;
}

export type Plan = IndexScanPlan | { kind: 'collscan'; direction: 1 | -1 } | { kind: 'idhack'; id: unknown } | { kind: 'eof' };

export interface PlanRequest {
  filter: Doc | undefined;
  sort: SortField[];
  hint: unknown;
  /** The raw sort, for `$natural`. */
  rawSort?: unknown;
  collation: Collation | undefined;
}

function hasString(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string'));
}

function operatorClauses(ops: Doc): Clause[] {
  const out: Clause[] = [];
  for (const [op, value] of Object.entries(ops)) {
    if (op === '$eq') out.push(isPointValue(value) ? { kind: 'points', values: [value] } : { kind: 'other' });
    else if (op === '$in')
      out.push(Array.isArray(value) && value.every(isPointValue) ? { kind: 'points', values: value } : { kind: 'other' });
    else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') out.push({ kind: 'range', op, value });
    else if (op === '$exists')
      out.push(value === true || (typeof value === 'number' && value !== 0) ? { kind: 'exists' } : { kind: 'other' });
    else out.push({ kind: 'other' });
  }
  return out;
}

/** The top-level (and $and) predicates of a normalised filter, by path. */
export function clausesOf(filter: unknown, out = new Map<string, Clause[]>()): Map<string, Clause[]> {
  if (!isDoc(filter)) return out;
  for (const [path, value] of Object.entries(filter)) {
    if (path === '$and' && Array.isArray(value)) {
      for (const part of value) clausesOf(part, out);
      continue;
    }
    // Other operators ($or, $expr, ...) give no bounds; positional paths match by other rules.
    if (path.startsWith('$') || path.split('.').some((part) => /^\d+$/.test(part))) continue;
    const literal: Clause = isPointValue(value) ? { kind: 'points', values: [value] } : { kind: 'other' };
    const clauses = isOperatorDoc(value) ? operatorClauses(value) : [literal];
    out.set(path, [...(out.get(path) ?? []), ...clauses]);
  }
  return out;
}

function clauseIntervals(clause: Clause, strings: Strings): Interval[] | undefined {
  if (clause.kind === 'points') return pointIntervals(clause.values, strings);
  if (clause.kind === 'range') {
    const interval = rangeInterval(clause.op, clause.value);
    return interval && [interval];
  }
  return undefined;
}

/** Bounds of one index field: every clause intersected, or only the first usable one when the index
 *  is multikey (different array elements may satisfy different predicates). */
function fieldBounds(clauses: Clause[], index: Index, collation: Collation | undefined): { intervals: Interval[]; exact: boolean } {
  const { strings, multikey } = index.ordered;
  const sameCollation = index.ordered.collation === collation;
  let intervals = FULL_RANGE;
  let used = 0;
  for (const clause of clauses) {
    if (!sameCollation && clause.kind !== 'exists' && clause.kind !== 'other') {
      const operand = clause.kind === 'points' ? clause.values : clause.value;
      if (hasString(operand)) continue;
    }
    const own = clauseIntervals(clause, strings);
    if (!own || (multikey && used > 0)) continue;
    intervals = used === 0 ? own : intersectIntervals(intervals, own, strings);
    used += 1;
  }
  const exact = used > 0 && used === clauses.length;
  return { intervals, exact };
}

function clauseImplied(wanted: Clause, have: Clause[], strings: Strings): boolean {
  return have.some((clause) => {
    const intervals = clauseIntervals(clause, strings);
    if (wanted.kind === 'exists') return clause.kind === 'exists' || (intervals !== undefined && !inIntervals(null, intervals, strings));
    const target = clauseIntervals(wanted, strings);
    if (!target || !intervals) return false;
    // Implied when every interval of the query's clause lies inside the wanted intervals.
    return intervals.every((iv) => {
      const inside = intersectIntervals([iv], target, strings);
      return inside.length === 1 && inside[0].low === iv.low && inside[0].high === iv.high;
    });
  });
}

/** Whether every document the filter matches is in the partial index (its filter is implied). */
function impliesPartialFilter(filter: Map<string, Clause[]>, expression: unknown): boolean {
  if (!isDoc(expression)) return false;
  const wanted = clausesOf(normalize(expression));
  const paths = Object.keys(expression).filter((k) => k !== '$and');
  if (paths.some((p) => p.startsWith('$'))) return false;
  for (const [path, clauses] of wanted) {
    const have = filter.get(path) ?? [];
    if (!clauses.every((clause) => clause.kind !== 'other' && clauseImplied(clause, have, undefined))) return false;
  }
  return true;
}

function sortDirection(index: Index, bounds: Interval[][], sort: SortField[], collation: Collation | undefined): 1 | -1 | undefined {
  const { ordered } = index;
  if (ordered.multikey || ordered.collation !== collation) return undefined;
  const pinned = new Set<string>();
  let k = 0;
  while (k < bounds.length && bounds[k].length === 1 && isPoint(bounds[k][0], ordered.strings)) pinned.add(index.fields[k++]);
  const wanted = sort.filter((field) => !pinned.has(field.path));
  if (wanted.length === 0) return 1;
  let direction: 1 | -1 | undefined;
  for (let i = 0; i < wanted.length; i++) {
    const at = k + i;
    if (at >= index.fields.length || index.fields[at] !== wanted[i].path) return undefined;
    const d = (ordered.directions[at] === wanted[i].direction ? 1 : -1) as 1 | -1;
    if (direction !== undefined && d !== direction) return undefined;
    direction = d;
  }
  return direction;
}

/** The plan of one index for the filter, or undefined when the index may not answer it. */
function indexPlan(index: Index, filter: Map<string, Clause[]>, request: PlanRequest, hinted: boolean): IndexScanPlan | undefined {
  const covered = new Set<string>();
  const bounds = index.fields.map((field) => {
    const { intervals, exact } = fieldBounds(filter.get(field) ?? [], index, request.collation);
    if (exact) covered.add(field);
    return intervals;
  });
  if (index.partialFilter && !impliesPartialFilter(filter, index.spec.partialFilterExpression)) {
    if (hinted) throw new CommandError(ErrorCodes.BadValue, 'hint provided does not correspond to an existing index');
    return undefined;
  }
  const bounded = !isFullRange(bounds[0]);
  const sparseOk =
    !index.sparse || hinted || bounds.some((intervals) => !isFullRange(intervals) && !inIntervals(null, intervals, undefined));
  const direction = request.sort.length > 0 ? sortDirection(index, bounds, request.sort, request.collation) : undefined;
  if (!hinted && (!sparseOk || (!bounded && direction === undefined))) return undefined;
  let equalityFields = 0;
  while (equalityFields < bounds.length && bounds[equalityFields].every((iv) => isPoint(iv, index.ordered.strings))) equalityFields++;
  return {
    kind: 'ixscan',
    index,
    bounds,
    direction: direction ?? 1,
    providesSort: direction !== undefined,
    equalityFields,
    estimate: index.ordered.estimate(bounds),
    covered,
  };
}

function hintedIndex(collection: Collection, hint: unknown): Index | 'natural' | undefined {
  if (hint === undefined || hint === null) return undefined;
  if (isDoc(hint) && Object.keys(hint).length === 0) return undefined;
  if (isDoc(hint) && '$natural' in hint) return 'natural';
  const found =
    typeof hint === 'string'
      ? collection.findIndex(hint)
      : isDoc(hint)
        ? collection.indexes.find((index) => JSON.stringify(normalize(index.key)) === JSON.stringify(normalize(hint)))
        : undefined;
  if (!found) throw new CommandError(ErrorCodes.BadValue, 'hint provided does not correspond to an existing index');
  return found;
}

function naturalDirection(value: unknown): 1 | -1 {
  const n = isDoc(value) ? toNumber(value.$natural) : 1;
  return n < 0 ? -1 : 1;
}

function better(a: IndexScanPlan, b: IndexScanPlan): number {
  if (a.equalityFields !== b.equalityFields) return b.equalityFields - a.equalityFields;
  if (a.estimate !== b.estimate) return a.estimate - b.estimate;
  if (a.providesSort !== b.providesSort) return a.providesSort ? -1 : 1;
  return a.index.name < b.index.name ? -1 : a.index.name > b.index.name ? 1 : 0;
}

export function plan(collection: Collection | undefined, request: PlanRequest): Plan {
  if (!collection) return { kind: 'eof' };
  const hint = hintedIndex(collection, request.hint);
  if (hint === 'natural') return { kind: 'collscan', direction: naturalDirection(request.hint) };
  if (isDoc(request.rawSort) && '$natural' in request.rawSort) return { kind: 'collscan', direction: naturalDirection(request.rawSort) };
  const filter = clausesOf(normalize(request.filter ?? {}));
  if (hint) return indexPlan(hint, filter, request, true) as IndexScanPlan;
  if (request.filter && Object.keys(request.filter).length === 1) {
    const pinned = pinnedId(request.filter, request.collation);
    if (pinned) return { kind: 'idhack', id: pinned.id };
  }
  const candidates = collection.indexes
    .filter((index) => index.scannable)
    .map((index) => indexPlan(index, filter, request, false))
    .filter((p): p is IndexScanPlan => p !== undefined)
    .sort(better);
  return candidates[0] ?? { kind: 'collscan', direction: 1 };
}
