// explain output in mongod 7.0's shape (classic engine, explainVersion "1"): the winning plan as a
// stage tree (IXSCAN/COLLSCAN/IDHACK/EOF under FETCH, SORT, SKIP, LIMIT, PROJECTION, COUNT, UPDATE,
// DELETE), `rejectedPlans: []` (one plan is built per index and the best is taken without a trial
// run), and for executionStats/allPlansExecution the counts of the run.
import { createHash } from 'node:crypto';
import { intervalText, isOperatorDoc } from './bounds';
import type { ExecutionStats } from './plan-executor';
import type { Plan } from './planner';
import type { SortField } from './query';
import { isDoc, type Doc } from './values';

export type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution';
export const VERBOSITIES: readonly Verbosity[] = ['queryPlanner', 'executionStats', 'allPlansExecution'];

/** A stage: its planner fields, and the counts executionStats adds. */
export interface Stage {
  stage: string;
  fields: Doc;
  counts: Doc;
  nReturned: number;
  input?: Stage;
}

/** What happened around the scan: the numbers of documents each stage passed on. */
export interface ReadShape {
  plan: Plan;
  stats: ExecutionStats;
  filter: Doc | undefined;
  /** Documents the scan matched. */
  matched: number;
  sort?: SortField[];
  blockingSort?: boolean;
  skip?: number;
  limit?: number;
  projection?: Doc;
}

/** mongod's parsed form: each top-level predicate with an operator, several under $and. */
export function parsedQuery(filter: Doc | undefined): Doc {
  const parts = Object.entries(filter ?? {}).map(([path, value]) =>
    path.startsWith('$') || isOperatorDoc(value) ? { [path]: value } : { [path]: { $eq: value } },
  );
  if (parts.length === 0) return {};
  return parts.length === 1 ? parts[0] : { $and: parts };
}

function leftOver(filter: Doc | undefined, covered: Set<string>): Doc | undefined {
  const rest = Object.fromEntries(Object.entries(filter ?? {}).filter(([path]) => !covered.has(path)));
  return Object.keys(rest).length > 0 ? parsedQuery(rest) : undefined;
}

function scanStage(shape: ReadShape): Stage {
  const { plan, stats, filter, matched } = shape;
  if (plan.kind === 'eof') return { stage: 'EOF', fields: {}, counts: {}, nReturned: 0 };
  if (plan.kind === 'idhack') {
    return {
      stage: 'IDHACK',
      fields: {},
      counts: { keysExamined: stats.keysExamined, docsExamined: stats.docsExamined },
      nReturned: matched,
    };
  }
  if (plan.kind === 'collscan') {
    const fields: Doc = {};
    if (filter && Object.keys(filter).length > 0) fields.filter = parsedQuery(filter);
    fields.direction = plan.direction === 1 ? 'forward' : 'backward';
    return { stage: 'COLLSCAN', fields, counts: { docsExamined: stats.docsExamined }, nReturned: matched };
  }
  const { index } = plan;
  const multikey = index.ordered.multikey;
  const ixscan: Stage = {
    stage: 'IXSCAN',
    fields: {
      keyPattern: index.key,
      indexName: index.name,
      isMultiKey: multikey,
      multiKeyPaths: Object.fromEntries(index.fields.map((f) => [f, multikey ? [f] : []])),
      isUnique: index.unique,
      isSparse: index.sparse,
      isPartial: index.partialFilter !== undefined,
      indexVersion: 2,
      direction: plan.direction === 1 ? 'forward' : 'backward',
      indexBounds: Object.fromEntries(
        index.fields.map((f, i) => {
          const intervals = index.ordered.directions[i] * plan.direction === 1 ? plan.bounds[i] : [...plan.bounds[i]].reverse();
          return [f, intervals.map((iv) => intervalText(iv, (index.ordered.directions[i] * plan.direction) as 1 | -1))];
        }),
      ),
    },
    counts: {
      keysExamined: stats.keysExamined,
      seeks: 1,
      dupsTested: multikey ? stats.docsExamined + stats.dupsDropped : 0,
      dupsDropped: stats.dupsDropped,
    },
    nReturned: stats.docsExamined,
  };
  const fetchFilter = leftOver(filter, plan.covered);
  return {
    stage: 'FETCH',
    fields: fetchFilter ? { filter: fetchFilter } : {},
    counts: { docsExamined: stats.docsExamined, alreadyHasObj: 0 },
    nReturned: matched,
    input: ixscan,
  };
}

function wrap(stage: string, fields: Doc, nReturned: number, input: Stage, counts: Doc = {}): Stage {
  return { stage, fields, counts, nReturned, input };
}

/** The stage tree of a read: scan, then SORT, SKIP, LIMIT and PROJECTION as mongod nests them. */
export function readStages(shape: ReadShape): Stage {
  let top = scanStage(shape);
  const skip = shape.skip ?? 0;
  const limit = shape.limit ?? 0;
  let n = top.nReturned;
  if (shape.blockingSort && shape.sort && shape.sort.length > 0) {
    const sortPattern = Object.fromEntries(shape.sort.map((f) => [f.path, f.direction]));
    const fields: Doc = { sortPattern, memLimit: 104857600, type: 'simple' };
    if (limit > 0) fields.limitAmount = skip + limit;
    n = limit > 0 ? Math.min(n, skip + limit) : n;
    top = wrap('SORT', fields, n, top, { totalDataSizeSorted: 0, usedDisk: false, spills: 0 });
  }
  if (skip > 0) {
    n = Math.max(0, n - skip);
    top = wrap('SKIP', { skipAmount: skip }, n, top);
  }
  if (limit > 0 && !(shape.blockingSort && shape.sort && shape.sort.length > 0)) {
    n = Math.min(n, limit);
    top = wrap('LIMIT', { limitAmount: limit }, n, top);
  }
  if (shape.projection && Object.keys(shape.projection).length > 0) {
    const simple = Object.values(shape.projection).every((v) => !isDoc(v) && typeof v !== 'string');
    top = wrap(simple ? 'PROJECTION_SIMPLE' : 'PROJECTION_DEFAULT', { transformBy: shape.projection }, n, top);
  }
  return top;
}

export function plannerTree(stage: Stage): Doc {
  return { stage: stage.stage, ...stage.fields, ...(stage.input ? { inputStage: plannerTree(stage.input) } : {}) };
}

export function executionTree(stage: Stage, millis: number): Doc {
  const works = stage.nReturned + 1;
  return {
    stage: stage.stage,
    nReturned: stage.nReturned,
    executionTimeMillisEstimate: Math.round(millis),
    works,
    advanced: stage.nReturned,
    needTime: 0,
    needYield: 0,
    saveState: 0,
    restoreState: 0,
    isEOF: 1,
    ...stage.fields,
    ...stage.counts,
    ...(stage.input ? { inputStage: executionTree(stage.input, millis) } : {}),
  };
}

function shapeHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 8).toUpperCase();
}

/** queryPlanner and, beyond that verbosity, executionStats, for one explained operation. */
export function explainSections(ns: string, root: Stage, shape: ReadShape, verbosity: Verbosity): Doc {
  const shapeKey = { filter: Object.keys(shape.filter ?? {}), sort: shape.sort, projection: Object.keys(shape.projection ?? {}) };
  const out: Doc = {
    queryPlanner: {
      namespace: ns,
      indexFilterSet: false,
      parsedQuery: parsedQuery(shape.filter),
      queryHash: shapeHash(shapeKey),
      planCacheKey: shapeHash({ ...shapeKey, ns }),
      maxIndexedOrSolutionsReached: false,
      maxIndexedAndSolutionsReached: false,
      maxScansToExplodeReached: false,
      winningPlan: plannerTree(root),
      rejectedPlans: [],
    },
  };
  if (verbosity === 'queryPlanner') return out;
  const executionStats: Doc = {
    executionSuccess: true,
    nReturned: root.nReturned,
    executionTimeMillis: Math.round(shape.stats.millis),
    totalKeysExamined: shape.stats.keysExamined,
    totalDocsExamined: shape.stats.docsExamined,
    executionStages: executionTree(root, shape.stats.millis),
  };
  if (verbosity === 'allPlansExecution') executionStats.allPlansExecution = [];
  return { ...out, executionStats };
}
