import type { Model, mongo } from 'mongoose';
import type { OutboxRecord } from './outbox-record';
import type { OutboxLevelsRead, RelayFailure, RelayRow, RelayStore, RelayWrite } from './relay-store';

const ROW_PROJECTION = {
  subject: 1,
  data: 1,
  msgId: 1,
  aggregateId: 1,
  aggregateVersion: 1,
  attempts: 1,
  createdAt: 1,
  nextAttemptAt: 1,
  claimedBy: 1,
  claimedUntil: 1,
  traceparent: 1,
  tracestate: 1,
} as const;

/** The relay's reads and writes on a service's `outbox` collection (see Outbox). */
export class CollectionRelayStore implements RelayStore {
  /** The collection itself: the filters and updates are built here from rows just read, so mongoose has nothing to cast. */
  private readonly rows: mongo.Collection<OutboxRecord>;

  constructor(
    private readonly model: Model<OutboxRecord>,
    readonly onCommit: RelayStore['onCommit'],
    readonly claimOnWrite: RelayStore['claimOnWrite'],
  ) {
    this.rows = model.collection as unknown as mongo.Collection<OutboxRecord>;
  }

  async readUnpublished(limit: number, skippedAggregates: readonly string[]): Promise<{ rows: RelayRow[]; full: boolean }> {
    const rows = await this.rows
      .find<RelayRow>(
        { publishedAt: null, ...(skippedAggregates.length > 0 ? { aggregateId: { $nin: [...skippedAggregates] } } : {}) },
        { sort: { aggregateId: 1, aggregateVersion: 1 }, limit, projection: ROW_PROJECTION },
      )
      .toArray();
    return { rows, full: rows.length === limit };
  }

  async write(writes: readonly RelayWrite[]): Promise<{ unchanged: number }> {
    if (writes.length === 0) return { unchanged: 0 };
    // Point updates by _id, each changing one row (an `$in` filter would do the same in one
    // statement, but point updates stay cheap however the server plans them).
    const statements = writes.map((write) => {
      const _id = write.row._id as OutboxRecord['_id'];
      switch (write.kind) {
        case 'mark':
          return {
            updateOne: {
              filter: { _id },
              update: {
                $set: { publishedAt: write.publishedAt, claimedBy: null, claimedUntil: null, lastError: null },
                $inc: { attempts: 1 },
              },
            },
          };
        case 'claim':
          return {
            updateOne: {
              filter: { _id, publishedAt: null, $or: [{ claimedUntil: null }, { claimedUntil: { $lt: write.now } }] },
              update: { $set: { claimedBy: write.token, claimedUntil: write.claimedUntil } },
            },
          };
        case 'release':
          return { updateOne: { filter: { _id, claimedBy: write.token }, update: { $set: { claimedBy: null, claimedUntil: null } } } };
      }
    });
    const result = await this.rows.bulkWrite(statements, { ordered: false });
    return { unchanged: statements.length - result.modifiedCount };
  }

  async claimedBy(rows: readonly RelayRow[], token: string): Promise<Set<string>> {
    const claimed = await this.rows
      .find({ _id: { $in: rows.map((row) => row._id as OutboxRecord['_id']) }, claimedBy: token }, { projection: { msgId: 1 } })
      .toArray();
    return new Set(claimed.map((row) => row.msgId));
  }

  async fail(row: RelayRow, token: string, failure: RelayFailure): Promise<void> {
    await this.rows.updateOne(
      { _id: row._id as OutboxRecord['_id'], claimedBy: token },
      { $set: { ...failure, claimedBy: null, claimedUntil: null } },
    );
  }

  async levels(maxTimeMS?: number): Promise<OutboxLevelsRead> {
    // Two indexed reads: the count on the relay's scan index, the oldest on `publishedAt, createdAt`
    // (one index entry whatever the backlog).
    const count = this.model.countDocuments({ publishedAt: null });
    const oldest = this.model.findOne({ publishedAt: null }).sort({ createdAt: 1 }).select({ createdAt: 1 }).lean();
    if (maxTimeMS) {
      count.maxTimeMS(maxTimeMS);
      oldest.maxTimeMS(maxTimeMS);
    }
    const [backlog, row] = await Promise.all([count, oldest]);
    return { backlog, oldestCreatedAt: row ? row.createdAt : null };
  }

  async nextDue(): Promise<Date | null> {
    const next = await this.model
      .findOne({ publishedAt: null })
      .sort({ nextAttemptAt: 1 })
      .select({ nextAttemptAt: 1, claimedUntil: 1 })
      .lean();
    if (!next) return null;
    const due = Math.max(new Date(next.nextAttemptAt).getTime(), next.claimedUntil ? new Date(next.claimedUntil).getTime() : 0);
    return new Date(due);
  }
}
