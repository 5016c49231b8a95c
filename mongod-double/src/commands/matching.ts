// What several read paths share: the documents of a collection a command can see, and a cursor reply.
import type { Visible } from '../engine';
import { compileFilter, pinnedId, type QueryOptions } from '../query';
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

/** Documents of a collection visible to this command that match `filter`. */
export function matching(ctx: CommandContext, collectionName: string, filter: Doc | undefined, options: QueryOptions = {}): Visible[] {
  const collection = ctx.server.catalog.collection(ctx.db, collectionName, ctx.txn);
  if (!collection) return [];
  const matcher = compileFilter(filter, options);
  const pinned = pinnedId(filter, options.collation);
  if (pinned) {
    const visible = ctx.server.engine.lookup(collection, pinned.id, ctx.txn);
    return visible && matcher.test(visible.norm) ? [visible] : [];
  }
  const out: Visible[] = [];
  for (const visible of ctx.server.engine.scan(collection, ctx.txn)) {
    if (matcher.test(visible.norm)) out.push(visible);
  }
  return out;
}
