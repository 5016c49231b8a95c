// What several read paths share: the documents of a collection a command can see, and a cursor reply.
import type { Visible } from '../engine';
import { executePlan, type ExecutionStats } from '../plan-executor';
import { plan, type Plan } from '../planner';
import { compileFilter, sortItems, type Matcher, type QueryOptions, type SortField } from '../query';
import { intOption, isDoc, type Doc } from '../values';
import type { CommandContext } from './types';

export function cursorReply(
  ctx: CommandContext,
  ns: string,
  docs: Doc[],
  options: { batchSize?: number; singleBatch?: boolean } = {},
): Doc {
  const requested =
    isDoc(ctx.body.cursor) && ctx.body.cursor.batchSize !== undefined ? intOption(ctx.body.cursor.batchSize, 101) : options.batchSize;
  // A command's batchSize sizes the first batch only; a getMore without one gets up to 16 MiB.
  const batch = ctx.server.cursors.open(ns, docs, requested, undefined, options.singleBatch === true, ctx.session?.key);
  return { cursor: { firstBatch: batch.docs, id: batch.cursorId, ns }, ok: 1 };
}

export interface ReadRequest {
  filter: Doc | undefined;
  options: QueryOptions;
  sort?: SortField[];
  /** The sort as given (for `$natural`). */
  rawSort?: unknown;
  hint?: unknown;
  /** Matches needed (skip + limit); with a sort, the scan stops early only if the index gives the order. */
  limit?: number;
  /** The filter compiled already (a write that re-checks its candidates has it): not compiled again. */
  matcher?: Matcher;
}

export interface PlannedRead {
  /** Matching documents, sorted when a sort was asked for. */
  items: Visible[];
  plan: Plan;
  stats: ExecutionStats;
  /** The sort was done after the scan (explain's SORT stage). */
  blockingSort: boolean;
}

/** Plans and runs a read of a collection as this command's reader sees it. */
export function plannedRead(ctx: CommandContext, collectionName: string, request: ReadRequest): PlannedRead {
  const collection = ctx.server.catalog.collection(ctx.db, collectionName, ctx.txn);
  const matcher = request.matcher ?? compileFilter(request.filter, request.options);
  const sort = request.sort ?? [];
  // A snapshot read of the past may need versions whose keys have left the indexes: it scans.
  const chosen = ctx.server.engine.indexesServe(ctx.txn?.snapshot)
    ? plan(collection, { filter: request.filter, sort, rawSort: request.rawSort, hint: request.hint, collation: request.options.collation })
    : plan(collection, { filter: request.filter, sort, rawSort: { $natural: 1 }, hint: undefined, collation: request.options.collation });
  const ordered = sort.length === 0 || (chosen.kind === 'ixscan' && chosen.providesSort);
  const execution = executePlan(ctx.server.engine, collection, chosen, matcher, ctx.txn, ordered ? request.limit : undefined);
  // A blocking sort starts from the collection's order, so ties come out as a collection scan leaves them.
  const items = ordered
    ? execution.items
    : sortItems(
        chosen.kind === 'ixscan' ? [...execution.items].sort((a, b) => a.record.seq - b.record.seq) : execution.items,
        sort,
        request.options.collation,
      );
  return { items, plan: chosen, stats: execution.stats, blockingSort: !ordered };
}

/** Documents of a collection visible to this command that match `filter`. */
export function matching(ctx: CommandContext, collectionName: string, filter: Doc | undefined, options: QueryOptions = {}): Visible[] {
  return plannedRead(ctx, collectionName, { filter, options }).items;
}
