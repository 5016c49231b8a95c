// Views (MongoDB manual, "Views"): `create` with `viewOn`/`pipeline`/`collation`, `collMod` of a
// view, and reads through a view: its pipeline (and those of the views under it) runs over the
// source collection first, with the view's collation.
import type { ViewDefinition } from '../catalog';
import { parseCollation } from '../collation';
import { CommandError, ErrorCodes } from '../errors';
import { runPipeline } from '../query';
import { isDoc, type Doc } from '../values';
import { matching } from './matching';
import type { CommandContext } from './types';

/** A view resolved down to its source collection: the pipelines of the chain, innermost first. */
export interface ResolvedView {
  readonly view: ViewDefinition;
  readonly collection: string;
  readonly pipeline: Doc[];
}

export function resolveView(ctx: CommandContext, name: string): ResolvedView | undefined {
  const view = ctx.server.catalog.view(ctx.db, name);
  if (!view) return undefined;
  const pipeline: Doc[] = [];
  let current: ViewDefinition | undefined = view;
  let collection = name;
  const seen = new Set<string>();
  while (current) {
    if (seen.has(current.name)) throw new CommandError(ErrorCodes.GraphContainsCycle, `View cycle detected: ${[...seen].join(' -> ')}`);
    seen.add(current.name);
    pipeline.unshift(...current.pipeline);
    collection = current.viewOn;
    current = ctx.server.catalog.view(ctx.db, collection);
  }
  return { view, collection, pipeline };
}

/** The documents of a collection or view of the command's database (views computed on demand). */
export function documentsOf(ctx: CommandContext, name: string): Doc[] {
  const resolved = resolveView(ctx, name);
  if (!resolved) return matching(ctx, name, undefined).map((item) => item.doc);
  const base = matching(ctx, resolved.collection, undefined).map((item) => item.doc);
  return runPipeline(base, resolved.pipeline, (from) => documentsOf(ctx, from), { collation: parseCollation(resolved.view.collation) });
}

function stages(value: unknown): Doc[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'pipeline' is the wrong type, expected type 'array'");
  for (const stage of value) {
    if (!isDoc(stage)) throw new CommandError(ErrorCodes.TypeMismatch, 'Each element of the pipeline must be an object');
    const name = Object.keys(stage)[0];
    if (name === '$out' || name === '$merge')
      throw new CommandError(ErrorCodes.OptionNotSupportedOnView, `${name} cannot be used in a view definition`);
  }
  return value as Doc[];
}

/** A view on a view must have that view's collation (SERVER-25186). */
function checkSourceCollation(ctx: CommandContext, viewOn: string, collation: Doc | undefined): void {
  const source = ctx.server.catalog.view(ctx.db, viewOn);
  if (source && parseCollation(source.collation) !== parseCollation(collation)) {
    throw new CommandError(ErrorCodes.OptionNotSupportedOnView, `View ${ctx.db}.${viewOn} has conflicting collation with its source view`);
  }
}

function viewOnOf(value: unknown): string {
  if (typeof value !== 'string')
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'create.viewOn' is the wrong type, expected type 'string'");
  if (value.length === 0) throw new CommandError(ErrorCodes.BadValue, "'viewOn' cannot be empty");
  return value;
}

/** create with viewOn: the source need not exist (mongod allows a view on a missing collection). */
export function createView(ctx: CommandContext, name: string): Doc {
  if (ctx.txn)
    throw new CommandError(ErrorCodes.OperationNotSupportedInTransaction, `Cannot create a view in a multi-document transaction.`);
  for (const option of ['validator', 'validationLevel', 'validationAction', 'capped', 'size', 'max', 'timeseries', 'clusteredIndex']) {
    if (ctx.body[option] !== undefined) throw new CommandError(ErrorCodes.InvalidOptions, `Invalid option for a view: ${option}`);
  }
  const viewOn = viewOnOf(ctx.body.viewOn);
  const pipeline = stages(ctx.body.pipeline);
  // A simple (binary) collation is no collation; anything else is checked as any collation is.
  const collation = parseCollation(ctx.body.collation) ? (ctx.body.collation as Doc) : undefined;
  checkSourceCollation(ctx, viewOn, collation);
  ctx.server.catalog.createView(ctx.db, { name, viewOn, pipeline, collation });
  return { ok: 1 };
}

/** collMod of a view: a new `viewOn` and/or `pipeline`; no cycles, same collation as a source view. */
export function modifyView(ctx: CommandContext, view: ViewDefinition): Doc {
  for (const option of Object.keys(ctx.body)) {
    if (['validator', 'validationLevel', 'validationAction', 'index', 'expireAfterSeconds'].includes(option)) {
      throw new CommandError(ErrorCodes.InvalidOptions, `option not supported on a view: ${option}`);
    }
  }
  const before = { viewOn: view.viewOn, pipeline: view.pipeline };
  if (ctx.body.viewOn !== undefined) view.viewOn = viewOnOf(ctx.body.viewOn);
  if (ctx.body.pipeline !== undefined) view.pipeline = stages(ctx.body.pipeline);
  try {
    checkSourceCollation(ctx, view.viewOn, view.collation);
    resolveView(ctx, view.name);
  } catch (error) {
    view.viewOn = before.viewOn;
    view.pipeline = before.pipeline;
    throw error;
  }
  return { ok: 1 };
}

/** listCollections' entry for a view. */
export function viewEntry(view: ViewDefinition, nameOnly: boolean): Doc {
  if (nameOnly) return { name: view.name, type: 'view' };
  const options: Doc = { viewOn: view.viewOn, pipeline: view.pipeline };
  if (view.collation) options.collation = view.collation;
  return { name: view.name, type: 'view', options, info: { readOnly: true } };
}
