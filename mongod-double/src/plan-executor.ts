// Runs a plan: scans the collection or an index's bounds, reads each document as the reader (a
// transaction's snapshot, or the latest committed state) sees it, and keeps those that match.
import type { Collection } from './catalog';
import type { Engine, Visible } from './engine';
import type { Plan } from './planner';
import type { Matcher } from './query';
import type { DocRecord } from './storage';
import type { Transaction } from './transactions';

export interface ExecutionStats {
  keysExamined: number;
  docsExamined: number;
  /** Index keys that led to a document already returned (multikey) or to another version's key. */
  dupsDropped: number;
  millis: number;
}

export interface Execution {
  items: Visible[];
  stats: ExecutionStats;
}

/** `stopAfter`: how many matches are enough (a limit the scan's order already satisfies). */
export function executePlan(
  engine: Engine,
  collection: Collection | undefined,
  plan: Plan,
  matcher: Matcher,
  txn: Transaction | undefined,
  stopAfter?: number,
): Execution {
  const started = process.hrtime.bigint();
  const stats: ExecutionStats = { keysExamined: 0, docsExamined: 0, dupsDropped: 0, millis: 0 };
  const items: Visible[] = [];
  const enough = (): boolean => stopAfter !== undefined && stopAfter > 0 && items.length >= stopAfter;
  const consider = (visible: Visible | undefined): void => {
    if (!visible) return;
    stats.docsExamined += 1;
    if (matcher.test(visible.norm)) items.push(visible);
  };
  if (collection && plan.kind === 'idhack') {
    const visible = engine.lookup(collection, plan.id, txn);
    stats.keysExamined = visible ? 1 : 0;
    consider(visible);
  } else if (collection && plan.kind === 'collscan') {
    const records = [...collection.records.values()];
    if (plan.direction === -1) records.reverse();
    for (const record of records) {
      consider(engine.visible(record, txn));
      if (enough()) break;
    }
  } else if (collection && plan.kind === 'ixscan') {
    const seen = new Set<DocRecord>();
    const { index } = plan;
    for (const entry of index.ordered.scan(plan.bounds, plan.direction, stats)) {
      if (seen.has(entry.record)) {
        stats.dupsDropped += 1;
        continue;
      }
      const visible = engine.visible(entry.record, txn);
      if (!visible) continue;
      // Several versions share the record: the key must be this reader's version's.
      if ((entry.record.versions.length > 1 || entry.record.lock) && !index.hasKey(visible.doc, entry.key)) {
        stats.dupsDropped += 1;
        continue;
      }
      seen.add(entry.record);
      consider(visible);
      // Stop pulling keys once enough documents matched (as LIMIT stops its input).
      if (enough()) break;
    }
  }
  stats.millis = Number(process.hrtime.bigint() - started) / 1e6;
  return { items, stats };
}
