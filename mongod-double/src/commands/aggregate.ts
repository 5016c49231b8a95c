// aggregate: pipelines over a collection (with collation and `let`), plus the stages mingo cannot
// run on its own: $out and $merge write their results to a collection, and $listLocalSessions
// reads the session registry.
import { createHash } from 'node:crypto';
import { ObjectId, UUID, Binary } from 'bson';
import { Collection } from '../catalog';
import { MustWait } from '../engine';
import { CommandError, ErrorCodes, DuplicateKeyError } from '../errors';
import { Index } from '../indexes';
import { applyPipelineUpdate, parseSort, runPipeline } from '../query';
import { canonicalKey, getPath, intOption, isDoc, type Doc } from '../values';
import { cursorReply, matching, plannedRead, type PlannedRead } from './matching';
import type { CommandContext } from './types';
import { queryOptions, requireArray, writeValidation } from './types';
import { documentsOf } from './views';
import { enforceValidation } from '../document-validation';

const UNAUTHENTICATED_UID = new Binary(createHash('sha256').update('').digest());

function listLocalSessions(ctx: CommandContext): Doc[] {
  if (ctx.db !== 'admin')
    throw new CommandError(ErrorCodes.InvalidNamespace, "$listLocalSessions must be run against the 'admin' database with {aggregate: 1}");
  return ctx.server.sessions
    .all()
    .map((session) => ({ _id: { id: new UUID(session.key), uid: UNAUTHENTICATED_UID }, lastUse: new Date(session.lastUse) }));
}

function targetOf(ctx: CommandContext, spec: unknown, stage: string): { db: string; coll: string } {
  if (typeof spec === 'string') return { db: ctx.db, coll: spec };
  if (isDoc(spec) && typeof spec.coll === 'string') return { db: typeof spec.db === 'string' ? spec.db : ctx.db, coll: spec.coll };
  throw new CommandError(ErrorCodes.FailedToParse, `${stage} requires a collection name or { db, coll }`);
}

async function written(attempt: () => MustWait | unknown): Promise<void> {
  for (;;) {
    const result = attempt();
    if (!(result instanceof MustWait)) return;
    await result.until;
  }
}

function withId(doc: Doc): Doc {
  return doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc;
}

/** $out: the results replace the target's documents at once; its indexes and options stay. */
function out(ctx: CommandContext, spec: unknown, docs: Doc[]): void {
  const { db, coll } = targetOf(ctx, spec, '$out');
  const { catalog, engine } = ctx.server;
  catalog.refuseView(db, coll);
  const old = catalog.collection(db, coll);
  const fresh = new Collection(db, coll, old?.options ?? {});
  for (const index of old?.indexes.slice(1) ?? []) fresh.indexes.push(new Index(index.spec));
  for (const doc of docs.map(withId)) {
    enforceValidation(fresh, doc, undefined, writeValidation(ctx));
    const result = engine.write(fresh, canonicalKey(doc._id), doc, undefined, true);
    if (result instanceof MustWait) throw new CommandError(ErrorCodes.InternalError, 'unexpected wait in $out');
  }
  catalog.replaceCollection(fresh);
}

function mergeOn(spec: Doc): string[] {
  if (spec.on === undefined) return ['_id'];
  if (typeof spec.on === 'string') return [spec.on];
  return requireArray(spec.on, '$merge.on').map(String);
}

async function merge(ctx: CommandContext, spec: unknown, docs: Doc[]): Promise<void> {
  const options = isDoc(spec) ? spec : { into: spec };
  const { db, coll } = targetOf(ctx, options.into, '$merge');
  ctx.server.catalog.refuseView(db, coll);
  const on = mergeOn(options);
  const whenMatched = options.whenMatched ?? 'merge';
  const whenNotMatched = options.whenNotMatched ?? 'insert';
  const { engine } = ctx.server;
  const target = { ...ctx, db, body: { ...ctx.body, collation: undefined, let: undefined } };
  for (const raw of docs) {
    const doc = withId(raw);
    const filter = Object.fromEntries(on.map((field) => [field, getPath(doc, field) ?? null]));
    const [existing] = matching(target, coll, filter);
    if (!existing) {
      if (whenNotMatched === 'discard') continue;
      if (whenNotMatched === 'fail')
        throw new CommandError(
          13113,
          '$merge could not find a matching document in the target collection for at least one document in the source collection',
        );
      await written(() => {
        const made = engine.ensureCollection(db, coll, undefined);
        if (made instanceof MustWait) return made;
        enforceValidation(made.collection, doc, undefined, writeValidation(ctx));
        return engine.write(made.collection, canonicalKey(doc._id), doc, undefined, true);
      });
      continue;
    }
    let next: Doc;
    if (whenMatched === 'keepExisting') continue;
    if (whenMatched === 'fail')
      throw new DuplicateKeyError(
        `$merge failed: E11000 duplicate key error collection: ${db}.${coll}`,
        Object.fromEntries(on.map((f) => [f, 1])),
        filter,
      );
    if (whenMatched === 'replace') next = { ...doc, _id: existing.doc._id };
    else if (Array.isArray(whenMatched)) next = applyPipelineUpdate(existing.doc, whenMatched, { new: doc });
    else next = { ...existing.doc, ...doc, _id: existing.doc._id };
    const collection = ctx.server.catalog.collection(db, coll);
    if (!collection) continue;
    enforceValidation(collection, next, existing.doc, writeValidation(ctx));
    await written(() => engine.write(collection, existing.record.key, next, undefined, false));
  }
}

export interface AggregateInput {
  docs: Doc[];
  /** The stages left to run after the ones the query layer answered. */
  rest: unknown[];
  /** How a collection was read (not for views or $listLocalSessions). */
  read?: PlannedRead;
  /** The leading $match/$sort stages the plan answered. */
  absorbed: Doc[];
}

/** A leading $match (and a $sort right after it, or leading) is planned like a find: through an
 *  index where one fits. A $sort the index does not give stays in the pipeline. */
export function aggregateInput(ctx: CommandContext, name: string, stages: unknown[]): AggregateInput {
  if (ctx.server.catalog.view(ctx.db, name)) return { docs: documentsOf(ctx, name), rest: stages, absorbed: [] };
  let at = 0;
  const first = stages[0];
  const filter = isDoc(first) && isDoc(first.$match) ? first.$match : undefined;
  if (filter) at = 1;
  const sortStage = stages[at];
  const rawSort = isDoc(sortStage) && isDoc(sortStage.$sort) ? sortStage.$sort : undefined;
  const next = stages[at + (rawSort ? 1 : 0)];
  const limit = isDoc(next) && next.$limit !== undefined ? intOption(next.$limit, 0) : undefined;
  const read = plannedRead(ctx, name, {
    filter,
    options: queryOptions(ctx, name),
    sort: rawSort ? parseSort(rawSort) : [],
    rawSort,
    hint: ctx.body.hint,
    limit,
  });
  const sortAbsorbed = rawSort !== undefined && !read.blockingSort;
  const absorbed = stages.slice(0, at + (sortAbsorbed ? 1 : 0)) as Doc[];
  return { docs: read.items.map((item) => item.doc), rest: stages.slice(absorbed.length), read, absorbed };
}

export async function aggregate(ctx: CommandContext): Promise<Doc> {
  const target = ctx.body.aggregate;
  const pipeline = requireArray(ctx.body.pipeline, 'pipeline');
  if (!isDoc(ctx.body.cursor) && ctx.body.explain !== true) {
    throw new CommandError(ErrorCodes.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const last = pipeline[pipeline.length - 1];
  const writeStage = isDoc(last) && ('$out' in last || '$merge' in last) ? last : undefined;
  const stages = writeStage ? pipeline.slice(0, -1) : pipeline;
  for (const stage of stages) {
    if (isDoc(stage) && ('$out' in stage || '$merge' in stage))
      throw new CommandError(40601, `${Object.keys(stage)[0]} can only be the final stage in the pipeline`);
  }
  if (writeStage && ctx.txn)
    throw new CommandError(ErrorCodes.OperationNotSupportedInTransaction, `${Object.keys(writeStage)[0]} cannot be used in a transaction`);
  const name = typeof target === 'string' ? target : '';
  const options = queryOptions(ctx, name);
  const source = (from: string): Doc[] => documentsOf(ctx, from);
  let input: Doc[] = [];
  let rest = stages;
  const first = stages[0];
  if (isDoc(first) && '$listLocalSessions' in first) {
    input = listLocalSessions(ctx);
    rest = stages.slice(1);
  } else if (typeof target === 'string') {
    ({ docs: input, rest } = aggregateInput(ctx, target, stages));
  }
  const docs = runPipeline(input, rest, source, options);
  const ns = typeof target === 'string' ? `${ctx.db}.${target}` : `${ctx.db}.$cmd.aggregate`;
  if (!writeStage) return cursorReply(ctx, ns, docs);
  if ('$out' in writeStage) out(ctx, writeStage.$out, docs);
  else await merge(ctx, writeStage.$merge, docs);
  return cursorReply(ctx, ns, []);
}
