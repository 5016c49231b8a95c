import { EventEmitter } from 'node:events';
import type { Collection as MongooseCollection, mongo } from 'mongoose';
import type { PublishAck, PublishOptions } from '../transport/transport';
import { newEventBookkeeping, newEventFields, WriteClaims } from './outbox';
import type { OutboxLevelsRead, RelayFailure, RelayRow, RelayStore, RelayWrite, WriteClaimer } from './relay-store';

/** The array on the aggregate's document that holds its unpublished events, in version order. */
export const EMBEDDED_OUTBOX_FIELD = 'outbox';
/** true while the array holds anything: the relay's partial index covers only these documents. */
export const EMBEDDED_OUTBOX_PENDING_FIELD = 'outboxPending';

/** An unpublished event as the aggregate's document keeps it. */
export interface EmbeddedEvent {
  subject: string;
  data: Record<string, unknown>;
  msgId: string;
  aggregateVersion: number;
  createdAt: Date;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  claimedBy: string | null;
  claimedUntil: Date | null;
  traceparent?: string;
  tracestate?: string;
}

/** An event's parts as aggregation expressions, for a pipeline update that computes them from the document. */
export interface EmbeddedEventExpression {
  subject: string;
  /** Evaluates to `subject:id:version`. */
  msgId: unknown;
  /** Evaluates to the version the event carries. */
  aggregateVersion: unknown;
  /** Each field an expression (`'$title'`) or a literal without a leading `$`. */
  data: Record<string, unknown>;
}

/**
 * Collects events for the next write, with a transport's publish: a course-style publisher works on it
 * (`new TicketCreatedPublisher(pending).publish(data)`, which checks the data against the contract).
 */
export interface PendingEvents {
  readonly events: EmbeddedEvent[];
  publish(subject: string, data: unknown, opts?: PublishOptions): Promise<PublishAck>;
}

type AggregateDoc = { _id: unknown; [EMBEDDED_OUTBOX_FIELD]?: EmbeddedEvent[] };

const OUTBOX = EMBEDDED_OUTBOX_FIELD;
/** Far more than a relay's reads skip in one pass (at most three windows of batchSize). */
const MAX_REMEMBERED_IDS = 10_000;
const PENDING = EMBEDDED_OUTBOX_PENDING_FIELD;

/**
 * An outbox kept on the aggregates' own documents: a write that changes an aggregate appends its
 * events to the document's `outbox` array in the same single-document write, which MongoDB applies
 * atomically, so the change and its events need no transaction, no outbox insert and no commit. The
 * relay publishes the array's events in order and removes each once the broker acknowledged it
 * (there is no retention of published events here, unlike the `outbox` collection).
 *
 * The aggregate's writer uses `insertFields` (a new document), `withEvents` (an update), or
 * `appendInPipeline` (a pipeline update whose event is computed from the document), then hands the
 * committed events to the relays of its process with `committed`.
 */
export class EmbeddedOutbox implements RelayStore {
  private readonly commits = new EventEmitter();
  private readonly writeClaims = new WriteClaims();
  private readonly collection: mongo.Collection;
  /**
   * The document ids of the aggregates reads returned, by aggregate id (the relay skips by aggregate
   * id), the most recent ones; shared by every relay on this store, and never stale (an id's string is its own).
   */
  private readonly idsRead = new Map<string, unknown>();

  constructor(collection: MongooseCollection) {
    // The driver's collection: the relay's filters and updates are built here, so mongoose has nothing to cast.
    this.collection = collection as unknown as mongo.Collection;
  }

  /** The relay's partial index (documents with pending events, by _id). Idempotent; run at boot. */
  async init(): Promise<void> {
    await this.collection.createIndex({ [PENDING]: 1, _id: 1 }, { name: 'outbox_pending', partialFilterExpression: { [PENDING]: true } });
  }

  /** A new unpublished event (its data names the aggregate's id and version). */
  event(subject: string, data: unknown, msgId?: string): EmbeddedEvent {
    const { aggregateId: _aggregateId, ...event } = newEventFields(subject, data, msgId, this.writeClaims.claim());
    return event;
  }

  /** An empty collection of events for the next write (see PendingEvents). */
  pending(): PendingEvents {
    const events: EmbeddedEvent[] = [];
    return {
      events,
      publish: async (subject, data, opts) => {
        events.push(this.event(subject, data, opts?.msgId));
        // Stored with the write; the relay gets the broker's ack later.
        return { duplicate: false };
      },
    };
  }

  /** The fields a new aggregate document carries for its first events (none without events). */
  insertFields(events: EmbeddedEvent[]): { [OUTBOX]?: EmbeddedEvent[]; [PENDING]?: true } {
    return events.length > 0 ? { [OUTBOX]: events, [PENDING]: true } : {};
  }

  /** `update` (operators) that also appends `events` to the document's outbox (unchanged without events). */
  withEvents<U extends { $set?: object; $push?: object }>(update: U, events: EmbeddedEvent[]): U {
    if (events.length === 0) return update;
    return { ...update, $set: { ...update.$set, [PENDING]: true }, $push: { ...update.$push, [OUTBOX]: { $each: events } } };
  }

  /** The bookkeeping of a new event (due now, unattempted, unclaimed), for appendInPipeline and the hand-off built after the write. */
  bookkeeping(): Omit<EmbeddedEvent, 'subject' | 'data' | 'msgId' | 'aggregateVersion'> {
    return newEventBookkeeping(this.writeClaims.claim());
  }

  /**
   * A pipeline stage that appends the event `parts` compute from the document (after the stages before
   * it), with `bookkeeping` (see bookkeeping()). With `onlyIf` (an expression), only where it is true.
   */
  appendInPipeline(parts: EmbeddedEventExpression, bookkeeping: object = this.bookkeeping(), onlyIf?: unknown): object {
    const event = {
      $mergeObjects: [
        { $literal: bookkeeping },
        { subject: { $literal: parts.subject }, msgId: parts.msgId, aggregateVersion: parts.aggregateVersion, data: parts.data },
      ],
    };
    const appended = { $concatArrays: [{ $ifNull: [`$${OUTBOX}`, []] }, [event]] };
    if (onlyIf === undefined) return { $set: { [OUTBOX]: appended, [PENDING]: true } };
    return { $set: { [OUTBOX]: { $cond: [onlyIf, appended, `$${OUTBOX}`] }, [PENDING]: { $cond: [onlyIf, true, `$${PENDING}`] } } };
  }

  /** Hands the events a write just committed on document `_id` to the relays of this process. */
  committed(_id: unknown, events: readonly EmbeddedEvent[]): void {
    if (events.length === 0) return;
    const aggregateId = String(_id);
    this.commits.emit(
      'commit',
      events.map((event): RelayRow => ({ ...event, _id, aggregateId })),
    );
  }

  /** The events document `doc` (read back with its outbox) holds from version `fromVersion` on. */
  static eventsFrom(doc: { [OUTBOX]?: EmbeddedEvent[] }, fromVersion: number): EmbeddedEvent[] {
    return (doc[OUTBOX] ?? []).filter((event) => event.aggregateVersion >= fromVersion);
  }

  claimOnWrite(claimer: WriteClaimer): () => void {
    return this.writeClaims.register(claimer);
  }

  onCommit(listener: (rows: readonly RelayRow[]) => void): () => void {
    this.commits.on('commit', listener);
    return () => this.commits.off('commit', listener);
  }

  async readUnpublished(limit: number, skippedAggregates: readonly string[]): Promise<{ rows: RelayRow[]; full: boolean }> {
    const skipped = skippedAggregates.filter((id) => this.idsRead.has(id)).map((id) => this.idsRead.get(id));
    const filter: mongo.Document = { [PENDING]: true, ...(skipped.length > 0 ? { _id: { $nin: skipped } } : {}) };
    const docs = await this.collection
      .find<AggregateDoc>(filter, { sort: { [PENDING]: 1, _id: 1 }, limit, projection: { [OUTBOX]: 1 } })
      .toArray();
    const rows: RelayRow[] = [];
    for (const doc of docs) {
      const aggregateId = String(doc._id);
      this.idsRead.delete(aggregateId);
      this.idsRead.set(aggregateId, doc._id);
      if (this.idsRead.size > MAX_REMEMBERED_IDS) this.idsRead.delete(this.idsRead.keys().next().value as string);
      const events = [...(doc[OUTBOX] ?? [])].sort((a, b) => a.aggregateVersion - b.aggregateVersion);
      for (const event of events) rows.push({ ...event, _id: doc._id, aggregateId });
    }
    return { rows, full: docs.length === limit };
  }

  async write(writes: readonly RelayWrite[]): Promise<{ unchanged: number }> {
    if (writes.length === 0) return { unchanged: 0 };
    const marksByDoc = new Map<string, { _id: unknown; msgIds: string[] }>();
    const statements: mongo.AnyBulkWriteOperation[] = [];
    for (const write of writes) {
      const { row } = write;
      if (write.kind === 'mark') {
        const marks = marksByDoc.get(row.aggregateId) ?? { _id: row._id, msgIds: [] };
        marks.msgIds.push(row.msgId);
        marksByDoc.set(row.aggregateId, marks);
      } else if (write.kind === 'claim') {
        const free = { $or: [{ claimedUntil: null }, { claimedUntil: { $lt: write.now } }] };
        statements.push(this.setOnEvent(row, free, { claimedBy: write.token, claimedUntil: write.claimedUntil }));
      } else {
        statements.push(this.setOnEvent(row, { claimedBy: write.token }, { claimedBy: null, claimedUntil: null }));
      }
    }
    // A document's published events leave in one statement; the flag goes with the last of them.
    for (const { _id, msgIds } of marksByDoc.values()) {
      const remaining = { $filter: { input: { $ifNull: [`$${OUTBOX}`, []] }, cond: { $not: [{ $in: ['$$this.msgId', msgIds] }] } } };
      const left = { $gt: [{ $size: `$${OUTBOX}` }, 0] };
      const filter: mongo.Document = { _id };
      statements.push({
        updateOne: {
          filter,
          update: [
            { $set: { [OUTBOX]: remaining } },
            { $set: { [PENDING]: { $cond: [left, true, '$$REMOVE'] }, [OUTBOX]: { $cond: [left, `$${OUTBOX}`, '$$REMOVE'] } } },
          ],
        },
      });
    }
    const result = await this.collection.bulkWrite(statements, { ordered: false });
    return { unchanged: statements.length - result.modifiedCount };
  }

  /** One statement setting `fields` on the row's event, if the event also matches `condition`. */
  private setOnEvent(row: RelayRow, condition: object, fields: Record<string, unknown>): mongo.AnyBulkWriteOperation {
    const $set = Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${OUTBOX}.$.${key}`, value]));
    const filter: mongo.Document = { _id: row._id, [OUTBOX]: { $elemMatch: { msgId: row.msgId, ...condition } } };
    return { updateOne: { filter, update: { $set } } };
  }

  async claimedBy(rows: readonly RelayRow[], token: string): Promise<Set<string>> {
    const ids = [...new Map(rows.map((row) => [row.aggregateId, row._id])).values()];
    const filter: mongo.Document = { _id: { $in: ids } };
    const docs = await this.collection.find<AggregateDoc>(filter, { projection: { [OUTBOX]: 1 } }).toArray();
    return new Set(docs.flatMap((doc) => (doc[OUTBOX] ?? []).filter((event) => event.claimedBy === token).map((event) => event.msgId)));
  }

  async fail(row: RelayRow, token: string, failure: RelayFailure): Promise<void> {
    const statement = this.setOnEvent(row, { claimedBy: token }, { ...failure, claimedBy: null, claimedUntil: null });
    await this.collection.bulkWrite([statement]);
  }

  async levels(maxTimeMS?: number): Promise<OutboxLevelsRead> {
    // The documents with pending events, through the partial index; each document's first event is its oldest.
    const [levels] = await this.collection
      .aggregate<{ backlog: number; oldest: Date | null }>(
        [
          { $match: { [PENDING]: true } },
          { $project: { n: { $size: `$${OUTBOX}` }, oldest: { $arrayElemAt: [`$${OUTBOX}.createdAt`, 0] } } },
          { $group: { _id: null, backlog: { $sum: '$n' }, oldest: { $min: '$oldest' } } },
        ],
        maxTimeMS ? { maxTimeMS } : {},
      )
      .toArray();
    return { backlog: levels?.backlog ?? 0, oldestCreatedAt: levels?.oldest ?? null };
  }

  async nextDue(): Promise<Date | null> {
    const [next] = await this.collection
      .aggregate<{ nextAttemptAt: Date; claimedUntil: Date | null }>([
        { $match: { [PENDING]: true } },
        { $unwind: `$${OUTBOX}` },
        { $sort: { [`${OUTBOX}.nextAttemptAt`]: 1 } },
        { $limit: 1 },
        { $project: { nextAttemptAt: `$${OUTBOX}.nextAttemptAt`, claimedUntil: `$${OUTBOX}.claimedUntil` } },
      ])
      .toArray();
    if (!next) return null;
    return new Date(Math.max(new Date(next.nextAttemptAt).getTime(), next.claimedUntil ? new Date(next.claimedUntil).getTime() : 0));
  }
}
