import { EventEmitter } from 'node:events';
import mongoose, { ClientSession, Connection, Model } from 'mongoose';
import { eventMessageId, type AggregateRef } from '../contracts/types';
import type { PublishAck, PublishOptions } from '../transport/transport';
import { CollectionRelayStore } from './collection-relay-store';
import { outboxModel, OutboxRecord } from './outbox-record';
import type { RelayStore, WriteClaim, WriteClaimer } from './relay-store';
import { tracingHooks } from '../tracing/trace-hooks';

/** Any event the outbox can carry: a subject and data naming its aggregate's id and version. */
export interface OutboxEvent {
  subject: string;
  data: AggregateRef;
}

/** What a handler gets inside an outbox transaction. */
export interface OutboxTransaction<E extends OutboxEvent = OutboxEvent> {
  /** Pass it to every read and write of the handler (`{ session }`). */
  session: ClientSession;
  /**
   * 1 for the first run of the handler, 2 and up when a transient error (a write conflict with a
   * concurrent transaction) made it run again: a handler may then first check, with a read, whether
   * the transaction it lost to already decided the outcome.
   */
  attempt: number;
  /**
   * Appends an event to the outbox in this transaction. It has the shape of a transport's publish,
   * so a course-style publisher works on it: `new TicketCreatedPublisher(tx).publish(data)`.
   */
  publish(subject: string, data: unknown, opts?: PublishOptions): Promise<PublishAck>;
  /** Typed shortcut: `tx.add({ subject: Subjects.TicketCreated, data })`. */
  add(event: E): Promise<void>;
}

export interface OutboxOptions {
  /** How long published rows are kept before the TTL index removes them (default 7 days). */
  retentionSeconds?: number;
}

/**
 * The transactional outbox of one service database: a handler's writes and the events they cause
 * commit together or not at all, and the relay publishes them afterwards.
 */
export class Outbox<E extends OutboxEvent = OutboxEvent> {
  readonly model: Model<OutboxRecord>;
  private readonly commits = new EventEmitter();
  private store?: RelayStore;
  private readonly writeClaims = new WriteClaims();

  constructor(
    readonly connection: Connection,
    opts: OutboxOptions = {},
  ) {
    this.model = outboxModel(connection, opts.retentionSeconds ?? 7 * 24 * 3600);
  }

  /** Creates the collection and its indexes (outside any transaction: DDL in a transaction fails). */
  async init(): Promise<void> {
    // The model's own index build (autoIndex, started when the connection opened) finishes first, so
    // none of its commands is still to come once init resolves.
    await this.model.init();
    await this.model.createCollection().catch((err: { code?: number }) => {
      if (err.code !== 48) throw err; // NamespaceExists
    });
    await this.model.syncIndexes();
  }

  /**
   * Runs `fn` in one MongoDB transaction, retried on transient errors (write conflicts) by the driver's
   * withTransaction. Events appended through `tx` are inserted in the same transaction. After the
   * commit, relays in this process are woken so the events leave within milliseconds.
   */
  async transaction<T>(fn: (tx: OutboxTransaction<E>) => Promise<T>): Promise<T> {
    let appended: OutboxRecord[] = [];
    let attempt = 0;
    const result = await this.connection.transaction(async (session) => {
      attempt += 1;
      // The driver retries at once; transactions contending for one document would spin against each
      // other, so a retry first waits a few jittered milliseconds (nothing is open on the server yet).
      if (attempt > 1) await sleep(retryDelayMs(attempt));
      // A retried attempt starts over: hand on only the final attempt's events.
      appended = [];
      const rows: OutboxRecord[] = [];
      const tx: OutboxTransaction<E> = {
        session,
        attempt,
        publish: async (subject, data, opts) => {
          rows.push(toRow(subject, data, opts?.msgId, this.writeClaims.claim()));
          // Stored with the transaction; the relay gets the broker's ack later.
          return { duplicate: false };
        },
        add: async (event) => {
          rows.push(toRow(event.subject, event.data, undefined, this.writeClaims.claim()));
        },
      };
      const value = await fn(tx);
      if (rows.length > 0) {
        // Lean: the rows are built whole here (toRow), so mongoose need not hydrate, cast and validate them.
        await this.model.insertMany(rows, { session, ordered: true, lean: true });
        appended = rows;
      }
      return value;
    });
    if (appended.length > 0) this.commits.emit('commit', appended);
    return result;
  }

  /** What a relay reads and writes of this outbox. */
  get relayStore(): RelayStore {
    this.store ??= new CollectionRelayStore(
      this.model,
      (listener) => this.onCommit(listener),
      (claimer) => this.writeClaims.register(claimer),
    );
    return this.store;
  }

  /**
   * Called after every commit that appended events, with the rows as committed (in the order written):
   * a relay in this process can publish them without reading them back.
   */
  onCommit(listener: (rows: readonly OutboxRecord[]) => void): () => void {
    this.commits.on('commit', listener);
    return () => this.commits.off('commit', listener);
  }
}

/** The one relay (if any) that claims a store's events as they are written (RelayStore.claimOnWrite). */
export class WriteClaims {
  private claimer?: WriteClaimer;

  register(claimer: WriteClaimer): () => void {
    if (this.claimer) return () => undefined;
    this.claimer = claimer;
    return () => {
      if (this.claimer === claimer) this.claimer = undefined;
    };
  }

  /** The claim for an event built now, or undefined (unclaimed). */
  claim(): WriteClaim | undefined {
    return this.claimer?.() ?? undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 1–4 ms on the first retry, doubling up to 50 ms, jittered so contenders spread out. */
function retryDelayMs(attempt: number): number {
  const ceiling = Math.min(50, 4 * 2 ** (attempt - 2));
  return 1 + Math.random() * (ceiling - 1);
}

/**
 * An event's fields as stored, unpublished and unattempted, the id and version it names checked;
 * with `claim`, held by the relay that will publish it (see RelayStore.claimOnWrite).
 */
export function newEventFields(subject: string, data: unknown, msgId?: string, claim?: WriteClaim) {
  if (typeof data !== 'object' || data === null) throw new TypeError(`outbox event ${subject} must carry an object`);
  const { id, version } = data as { id?: unknown; version?: unknown };
  if (typeof id !== 'string' || typeof version !== 'number') {
    throw new TypeError(`outbox event ${subject} must carry a string id and a numeric version`);
  }
  return {
    subject,
    data: { ...(data as Record<string, unknown>) },
    msgId: msgId ?? eventMessageId(subject, { id, version }),
    aggregateId: id,
    aggregateVersion: version,
    ...newEventBookkeeping(claim),
  };
}

/**
 * The relay's bookkeeping of a new event: due now, never attempted, unclaimed unless `claim` holds it,
 * and the trace it was written in.
 */
export function newEventBookkeeping(claim?: WriteClaim) {
  // The request's span, captured now: the relay publishes later, outside it.
  const trace = tracingHooks()?.activeTraceContext();
  const now = new Date();
  return {
    ...(trace?.traceparent ? { traceparent: trace.traceparent } : {}),
    ...(trace?.tracestate ? { tracestate: trace.tracestate } : {}),
    createdAt: now,
    attempts: 0,
    lastError: null,
    nextAttemptAt: now,
    claimedBy: claim ? claim.claimedBy : null,
    claimedUntil: claim ? claim.claimedUntil : null,
  };
}

/** A row as it is stored, every field the schema would default included, its _id chosen here. */
function toRow(subject: string, data: unknown, msgId?: string, claim?: WriteClaim): OutboxRecord {
  return { _id: new mongoose.Types.ObjectId(), ...newEventFields(subject, data, msgId, claim), publishedAt: null };
}
