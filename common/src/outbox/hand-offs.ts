/** What a hand-off needs to know of a row: its aggregate and version. */
export interface VersionedRow {
  aggregateId: string;
  aggregateVersion: number;
}

/** How many aggregates' last published versions are remembered. */
const MAX_REMEMBERED_AGGREGATES = 10_000;

/**
 * The rows this process just committed (Outbox.onCommit), queued for its relay, and the last version
 * the relay saw the broker acknowledge per aggregate (the most recent aggregates only). With these a
 * pass can publish fresh rows without reading the outbox, when that provably overtakes nothing.
 */
export class HandOffs<Row extends VersionedRow> {
  private queued: Row[] = [];
  private readonly published = new Map<string, number>();

  /** `maxQueued`: a burst beyond it is dropped here and left to the relay's read, which batches it. */
  constructor(private readonly maxQueued: number) {}

  add(rows: readonly Row[]): void {
    if (this.queued.length + rows.length <= this.maxQueued) this.queued.push(...rows);
    else this.queued = [];
  }

  /** Empties the queue and returns what it held, as queued. */
  takeAll(): Row[] {
    const rows = this.queued;
    this.queued = [];
    return rows;
  }

  /**
   * Empties the queue. Returns its rows as head runs (per aggregate, in version order) when each
   * aggregate's rows are its next versions after the last one acknowledged (or start at version 0):
   * versions have no gaps, so nothing of that aggregate can be unpublished before them. Otherwise
   * undefined: the relay reads the outbox, which holds these rows too.
   */
  takeRuns(): Row[][] | undefined {
    const rows = this.queued;
    this.queued = [];
    if (rows.length === 0) return undefined;
    const byAggregate = new Map<string, Row[]>();
    for (const row of rows) byAggregate.set(row.aggregateId, [...(byAggregate.get(row.aggregateId) ?? []), row]);
    const runs = [...byAggregate.values()].map((run) => run.sort((a, b) => a.aggregateVersion - b.aggregateVersion));
    for (const run of runs) {
      let expected = (this.published.get(run[0].aggregateId) ?? -1) + 1;
      for (const row of run) {
        if (row.aggregateVersion !== expected) return undefined;
        expected += 1;
      }
    }
    return runs;
  }

  /** The broker acknowledged `row`. */
  acknowledged(row: Row): void {
    const last = this.published.get(row.aggregateId);
    this.published.delete(row.aggregateId);
    this.published.set(row.aggregateId, Math.max(last ?? -1, row.aggregateVersion));
    if (this.published.size > MAX_REMEMBERED_AGGREGATES) this.published.delete(this.published.keys().next().value as string);
  }
}
