/**
 * Where a relay finds the events to publish and records what it did with them. Two stores keep the
 * same rows: the `outbox` collection (Outbox: any write, in a transaction) and events kept on the
 * aggregate's own document (EmbeddedOutbox: one single-document write, no transaction). The relay's
 * rules (per-aggregate order, claims, hand-offs, marks, backoff) are the same over both.
 */

/** What a relay reads of a row to publish it. */
export interface RelayRow {
  /** Where the store finds the row: the row's own id (outbox collection), or its aggregate's document id. */
  _id: unknown;
  aggregateId: string;
  subject: string;
  /** Published verbatim as the message body. */
  data: Record<string, unknown>;
  /** `subject:id:version`, unique: the broker's de-duplication id, and the row's key in a relay. */
  msgId: string;
  aggregateVersion: number;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  claimedBy?: string | null;
  claimedUntil: Date | null;
  traceparent?: string;
  tracestate?: string;
}

/** One change a pass writes: a mark (published), a claim, or the release of a claim. */
export type RelayWrite =
  | { kind: 'mark'; row: RelayRow; publishedAt: Date }
  | { kind: 'claim'; row: RelayRow; token: string; claimedUntil: Date; now: Date }
  | { kind: 'release'; row: RelayRow; token: string };

/** A failed publish: the row is released and waits for its backoff. */
export interface RelayFailure {
  attempts: number;
  lastError: string;
  nextAttemptAt: Date;
}

export interface OutboxLevelsRead {
  /** Unpublished events. */
  backlog: number;
  /** When the oldest unpublished event was written, or null when there is none. */
  oldestCreatedAt: Date | null;
}

/** The claim a relay holds on events as they are written (see RelayStore.claimOnWrite). */
export interface WriteClaim {
  claimedBy: string;
  claimedUntil: Date;
}

/** Called as each new event is built: the claim to write it with, or null to leave it unclaimed. */
export type WriteClaimer = () => WriteClaim | null;

export interface RelayStore {
  /** Called after every commit that wrote events, with the rows as committed: a relay's hand-offs. */
  onCommit(listener: (rows: readonly RelayRow[]) => void): () => void;
  /**
   * Lets one relay of this process claim the events this process writes, in the write itself: the
   * relay the commit hands them to then publishes them without a claim of its own. One claimer at a
   * time (a second one is not registered: its unregister does nothing). Returns the unregister.
   */
  claimOnWrite(claimer: WriteClaimer): () => void;
  /**
   * Unpublished rows in (aggregate, version) order, every aggregate read from its lowest unpublished
   * version on, leaving out `skippedAggregates`. `full`: the read hit `limit`, so more may wait.
   */
  readUnpublished(limit: number, skippedAggregates: readonly string[]): Promise<{ rows: RelayRow[]; full: boolean }>;
  /**
   * Writes the changes in one command. Returns how many of its statements changed nothing: a claim
   * another relay won (marks and releases of rows the relay holds always change their row).
   */
  write(writes: readonly RelayWrite[]): Promise<{ unchanged: number }>;
  /** The msgIds of `rows` that `token` holds. */
  claimedBy(rows: readonly RelayRow[], token: string): Promise<Set<string>>;
  /** Records a failed publish of a row `token` holds and releases it. */
  fail(row: RelayRow, token: string, failure: RelayFailure): Promise<void>;
  /** The backlog and its oldest event; `maxTimeMS` bounds each read (metrics scrapes must not hang). */
  levels(maxTimeMS?: number): Promise<OutboxLevelsRead>;
  /** When the unpublished row soonest due (retry backoff) is due, as the later of its retry time and its claim's end. */
  nextDue(): Promise<Date | null>;
}
