// The explain command (find, aggregate, count, distinct, update, delete, findAndModify) and
// aggregate's `explain: true`. Reads run for real to count keys and documents; writes are planned
// and their matches counted, but nothing is written (as mongod's explain of a write).
import { CommandError, ErrorCodes } from '../errors';
import { explainSections, readStages, VERBOSITIES, type ReadShape, type Stage, type Verbosity } from '../explain';
import { SERVER_VERSION } from '../state';
import { applyUpdate, parseUpdate } from '../update';
import { intOption, isDoc, sameBson, type Doc } from '../values';
import { parseSort } from '../query';
import { aggregateInput } from './aggregate';
import { plannedRead, type PlannedRead, type ReadRequest } from './matching';
import { findRequest, readCommands } from './read';
import type { CommandContext, CommandTable } from './types';
import { optionalDoc, queryOptions, requireArray, targetCollection } from './types';

interface Explained {
  root: Stage;
  shape: ReadShape;
}

function shapeOf(read: PlannedRead, request: ReadRequest, extra: Partial<ReadShape> = {}): ReadShape {
  return {
    plan: read.plan,
    stats: read.stats,
    filter: request.filter,
    matched: read.items.length,
    sort: request.sort,
    blockingSort: read.blockingSort,
    ...extra,
  };
}

function explainFind(ctx: CommandContext, name: string): Explained {
  const request = findRequest(ctx, name);
  const { skip, limit } = request;
  const read = plannedRead(ctx, name, { ...request, limit: limit > 0 ? skip + limit : undefined });
  const shape = shapeOf(read, request, { skip, limit, projection: optionalDoc(ctx.body.projection, 'projection') });
  return { root: readStages(shape), shape };
}

function explainCount(ctx: CommandContext, name: string): Explained {
  const skip = intOption(ctx.body.skip, 0);
  const limit = Math.abs(intOption(ctx.body.limit, 0));
  const request: ReadRequest = { filter: optionalDoc(ctx.body.query, 'query'), options: queryOptions(ctx, name), hint: ctx.body.hint };
  const read = plannedRead(ctx, name, { ...request, limit: limit > 0 ? skip + limit : undefined });
  const shape = shapeOf(read, request);
  let counted = Math.max(0, read.items.length - skip);
  if (limit > 0) counted = Math.min(counted, limit);
  const scan = readStages(shape);
  const root: Stage = {
    stage: 'COUNT',
    fields: {},
    counts: { nCounted: counted, nSkipped: Math.min(skip, read.items.length) },
    nReturned: 0,
    input: scan,
  };
  return { root, shape };
}

function explainDistinct(ctx: CommandContext, name: string): Explained {
  const request: ReadRequest = { filter: optionalDoc(ctx.body.query, 'query'), options: queryOptions(ctx, name), hint: ctx.body.hint };
  const shape = shapeOf(plannedRead(ctx, name, request), request);
  const scan = readStages(shape);
  const root: Stage = {
    stage: 'PROJECTION_DEFAULT',
    fields: { transformBy: { [String(ctx.body.key)]: 1 } },
    counts: {},
    nReturned: scan.nReturned,
    input: scan,
  };
  return { root, shape };
}

/** update (first statement) and findAndModify: how many documents would match and change. */
function explainUpdate(ctx: CommandContext, name: string, statement: Doc, findAndModify: boolean): Explained {
  const multi = statement.multi === true;
  const sort = parseSort(statement.sort);
  const request: ReadRequest = {
    filter: optionalDoc(findAndModify ? statement.query : statement.q, 'q') ?? {},
    options: queryOptions(ctx, name, statement.collation),
    sort,
    hint: statement.hint,
    limit: multi ? undefined : 1,
  };
  const read = plannedRead(ctx, name, request);
  const shape = shapeOf(read, request, { limit: multi || !findAndModify ? undefined : 1 });
  const scan = readStages(shape);
  const chosen = multi ? read.items : read.items.slice(0, 1);
  if (findAndModify && statement.remove === true) {
    return { root: { stage: 'DELETE', fields: {}, counts: { nWouldDelete: chosen.length }, nReturned: 0, input: scan }, shape };
  }
  const spec = parseUpdate(findAndModify ? statement.update : statement.u);
  const options = {
    inserting: false,
    arrayFilters: Array.isArray(statement.arrayFilters) ? statement.arrayFilters : undefined,
    filter: request.filter,
  };
  const modified = chosen.filter((item) => !sameBson(applyUpdate(item.doc, spec, options), item.doc)).length;
  const counts = { nMatched: chosen.length, nWouldModify: modified, nWouldUpsert: chosen.length === 0 && statement.upsert === true };
  return { root: { stage: 'UPDATE', fields: {}, counts, nReturned: 0, input: scan }, shape };
}

function explainDelete(ctx: CommandContext, name: string, statement: Doc): Explained {
  const limitOne = intOption(statement.limit, 0) === 1;
  const request: ReadRequest = {
    filter: optionalDoc(statement.q, 'q') ?? {},
    options: queryOptions(ctx, name, statement.collation),
    hint: statement.hint,
    limit: limitOne ? 1 : undefined,
  };
  const read = plannedRead(ctx, name, request);
  const shape = shapeOf(read, request);
  const deleted = limitOne ? Math.min(1, read.items.length) : read.items.length;
  return { root: { stage: 'DELETE', fields: {}, counts: { nWouldDelete: deleted }, nReturned: 0, input: readStages(shape) }, shape };
}

function firstStatement(ctx: CommandContext, field: string): Doc {
  const statements = requireArray(ctx.body[field], field);
  if (statements.length !== 1 || !isDoc(statements[0])) {
    throw new CommandError(ErrorCodes.InvalidLength, `explain of ${ctx.name} needs exactly one statement`);
  }
  return statements[0];
}

function explained(ctx: CommandContext, name: string): Explained {
  switch (ctx.name) {
    case 'find':
      return explainFind(ctx, name);
    case 'count':
      return explainCount(ctx, name);
    case 'distinct':
      return explainDistinct(ctx, name);
    case 'update':
      return explainUpdate(ctx, name, firstStatement(ctx, 'updates'), false);
    case 'delete':
      return explainDelete(ctx, name, firstStatement(ctx, 'deletes'));
    default:
      return explainUpdate(ctx, name, ctx.body, true);
  }
}

function envelope(ctx: CommandContext, sections: Doc): Doc {
  const [host, port] = ctx.server.me.split(':');
  return {
    explainVersion: '1',
    ...sections,
    command: { ...ctx.body, $db: ctx.db },
    serverInfo: { host, port: Number(port), version: SERVER_VERSION, gitVersion: 'ticketing-test-double' },
    serverParameters: {
      internalQueryFacetBufferSizeBytes: 104857600,
      internalQueryFacetMaxOutputDocSizeBytes: 104857600,
      internalLookupStageIntermediateDocumentMaxSizeBytes: 104857600,
      internalDocumentSourceGroupMaxMemoryBytes: 104857600,
      internalQueryMaxBlockingSortMemoryUsageBytes: 104857600,
      internalQueryProhibitBlockingMergeOnMongoS: 0,
      internalQueryMaxAddToSetBytes: 104857600,
      internalDocumentSourceSetWindowFieldsMaxMemoryBytes: 104857600,
    },
    ok: 1,
  };
}

/** aggregate: a pipeline the query layer answers whole is explained like a find; otherwise the
 *  read is a `$cursor` stage in `stages`, followed by the rest of the pipeline as given. */
function explainAggregate(ctx: CommandContext, verbosity: Verbosity): Doc {
  const name = targetCollection(ctx);
  const stages = requireArray(ctx.body.pipeline, 'pipeline');
  const input = aggregateInput(ctx, name, stages);
  const read = input.read;
  if (!read) return envelope(ctx, { stages: stages.map((stage) => stage) });
  const match = input.absorbed.find((stage) => isDoc(stage.$match));
  const sortStage = stages.find((stage) => isDoc(stage) && isDoc(stage.$sort)) as Doc | undefined;
  const request: ReadRequest = { filter: match?.$match as Doc | undefined, options: {}, sort: sortStage ? parseSort(sortStage.$sort) : [] };
  const shape = shapeOf(read, request);
  const sections = explainSections(`${ctx.db}.${name}`, readStages(shape), shape, verbosity);
  if (input.rest.length === 0) return envelope(ctx, sections);
  return envelope(ctx, { stages: [{ $cursor: sections }, ...input.rest] });
}

function verbosityOf(value: unknown): Verbosity {
  if (value === undefined || value === null) return 'allPlansExecution';
  if (typeof value !== 'string' || !VERBOSITIES.includes(value as Verbosity)) {
    throw new CommandError(ErrorCodes.BadValue, `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`);
  }
  return value as Verbosity;
}

const EXPLAINABLE = new Set(['find', 'aggregate', 'count', 'distinct', 'update', 'delete', 'findAndModify', 'findandmodify']);

function explain(ctx: CommandContext): Doc {
  const inner = ctx.body.explain;
  if (!isDoc(inner))
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'explain.explain' is the wrong type, expected type 'object'");
  const name = Object.keys(inner)[0];
  if (name === undefined || !EXPLAINABLE.has(name))
    throw new CommandError(ErrorCodes.CommandNotFound, `Explain failed due to unknown command: ${name ?? ''}`);
  const verbosity = verbosityOf(ctx.body.verbosity);
  const innerCtx: CommandContext = { ...ctx, name, body: inner };
  if (name === 'aggregate') return explainAggregate(innerCtx, verbosity);
  const target = targetCollection(innerCtx);
  const { root, shape } = explained(innerCtx, target);
  return envelope(innerCtx, explainSections(`${ctx.db}.${target}`, root, shape, verbosity));
}

const aggregateCommand = readCommands.aggregate;

export const explainCommands: CommandTable = {
  explain: { run: explain, read: true },
  // aggregate's own `explain: true` option is the queryPlanner verbosity.
  aggregate: {
    ...aggregateCommand,
    run: (ctx) => (ctx.body.explain === true ? explainAggregate(ctx, 'queryPlanner') : aggregateCommand.run(ctx)),
  },
};
