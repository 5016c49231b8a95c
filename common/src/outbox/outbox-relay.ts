import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { Outbox } from './outbox';
import { OutboxRecord } from './outbox-record';

/** Where the relay sends events: a transport's raw publish, resolved once the broker stored it. */
export interface EventSink {
  publish(subject: string, data: object, opts: { msgId: string }): Promise<unknown>;
}

export interface OutboxRelayOptions {
  /** Identifies this relay in claims and logs (default: random). */
  relayId?: string;
  /** How long a claim holds; a relay that died releases its rows after this (default 10 s). */
  claimMs?: number;
  /** Rows examined per pass (default 200). */
  batchSize?: number;
  /** Periodic sweep, so nothing depends on the writer process surviving (default 1 s). */
  sweepIntervalMs?: number;
  /** Backoff after a failed publish: min, doubling per attempt, up to max (defaults 100 ms, 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

export interface OutboxStats {
  /** Unpublished events. */
  backlog: number;
  /** Age of the oldest unpublished event, or null when there is none. */
  oldestUnpublishedAgeMs: number | null;
}

/**
 * Publishes unpublished outbox rows and marks them published. Safe with several relays on one outbox:
 * a relay publishes only the head (lowest unpublished version) of an aggregate, and only after
 * claiming it atomically; claims lapse, and the broker's message-id de-duplication absorbs a
 * re-publish after a relay died between the broker's ack and marking the row.
 */
export class OutboxRelay {
  readonly relayId: string;
  private readonly claimMs: number;
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly logger?: OutboxRelayOptions['logger'];

  private running = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private again = false;
  private unsubscribe?: () => void;
  private lastBacklogLog = 0;
  private published = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly sink: EventSink,
    opts: OutboxRelayOptions = {},
  ) {
    this.relayId = opts.relayId ?? `relay-${crypto.randomBytes(4).toString('hex')}`;
    this.claimMs = opts.claimMs ?? 10_000;
    this.batchSize = opts.batchSize ?? 200;
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 1_000;
    this.retryMinMs = opts.retryMinMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
    this.logger = opts.logger;
  }

  /** Events published by this relay since it started. */
  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.unsubscribe = this.outbox.onCommit(() => this.kick());
    this.schedule(0);
  }

  /** Wakes the relay now (after a commit, or when the broker connection comes back). */
  kick(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops claiming, lets the pass in flight finish, and returns once nothing is in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  async stats(): Promise<OutboxStats> {
    const [backlog, oldest] = await Promise.all([
      this.outbox.model.countDocuments({ publishedAt: null }),
      this.outbox.model.findOne({ publishedAt: null }).sort({ createdAt: 1 }).select({ createdAt: 1 }).lean(),
    ]);
    return { backlog, oldestUnpublishedAgeMs: oldest ? Date.now() - oldest.createdAt.getTime() : null };
  }

  /** Runs passes until one finds nothing to do; exposed for tests and for draining at shutdown. */
  async drain(): Promise<void> {
    while (await this.runPass()) {
      /* keep going while there is work */
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass = this.loop().finally(() => {
        this.pass = undefined;
      });
    }, delayMs);
  }

  private async loop(): Promise<void> {
    let next = this.sweepIntervalMs;
    try {
      do {
        this.again = false;
        const progressed = await this.runPass();
        if (progressed) this.again = true;
      } while (this.again && this.running);
    } catch (err) {
      // The database itself failed (e.g. not reachable): try again on the next sweep.
      this.logger?.warn({ err, relayId: this.relayId }, 'outbox relay pass failed');
    }
    await this.logBacklog().catch(() => undefined);
    if (this.running) {
      const due = await this.nextDueInMs().catch(() => null);
      if (due !== null) next = Math.min(next, Math.max(due, 10));
      this.schedule(next);
    }
  }

  /** One pass over every aggregate with unpublished rows. True if it published anything. */
  private async runPass(): Promise<boolean> {
    if (this.stopped) return false;
    const aggregateIds: string[] = await this.outbox.model
      .distinct('aggregateId', { publishedAt: null, nextAttemptAt: { $lte: new Date() } })
      .then((ids: unknown[]) => ids.slice(0, this.batchSize).map(String));
    if (aggregateIds.length === 0) return false;
    const counts = await Promise.all(aggregateIds.map((id) => this.publishAggregate(id)));
    return counts.some((n) => n > 0);
  }

  /**
   * Publishes one aggregate's unpublished rows in version order, each claimed first. Stops at a row
   * that another live relay holds or that waits for a retry: a later version never overtakes it.
   */
  private async publishAggregate(aggregateId: string): Promise<number> {
    let count = 0;
    while (!this.stopped && count < this.batchSize) {
      const now = new Date();
      const head = await this.outbox.model
        .findOne({ publishedAt: null, aggregateId })
        .sort({ aggregateVersion: 1 })
        .lean();
      if (!head) break;
      if (head.nextAttemptAt.getTime() > now.getTime()) break;
      if (head.claimedUntil && head.claimedUntil.getTime() >= now.getTime()) break;
      if (!(await this.publishRow(head._id, now))) break;
      count += 1;
    }
    return count;
  }

  private async publishRow(id: OutboxRecord['_id'], now: Date): Promise<boolean> {
    const claimed = await this.outbox.model.findOneAndUpdate(
      {
        _id: id,
        publishedAt: null,
        $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }],
      },
      { $set: { claimedBy: this.relayId, claimedUntil: new Date(now.getTime() + this.claimMs) } },
      { new: true, lean: true },
    );
    if (!claimed) return false; // another relay took it first
    try {
      await this.sink.publish(claimed.subject, claimed.data, { msgId: claimed.msgId });
    } catch (err) {
      const attempts = claimed.attempts + 1;
      const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(attempts - 1, 20));
      await this.outbox.model.updateOne(
        { _id: claimed._id, claimedBy: this.relayId },
        {
          $set: {
            attempts,
            lastError: err instanceof Error ? err.message : String(err),
            nextAttemptAt: new Date(Date.now() + delay),
            claimedBy: null,
            claimedUntil: null,
          },
        },
      );
      this.logger?.warn({ err, msgId: claimed.msgId, attempts, retryInMs: delay }, 'outbox publish failed; will retry');
      return false;
    }
    await this.outbox.model.updateOne(
      { _id: claimed._id },
      { $set: { publishedAt: new Date(), claimedBy: null, claimedUntil: null, lastError: null }, $inc: { attempts: 1 } },
    );
    this.published += 1;
    return true;
  }

  /** Milliseconds until the earliest unpublished row is due (retry backoff or a lapsing claim). */
  private async nextDueInMs(): Promise<number | null> {
    const next = await this.outbox.model
      .findOne({ publishedAt: null })
      .sort({ nextAttemptAt: 1 })
      .select({ nextAttemptAt: 1, claimedUntil: 1 })
      .lean();
    if (!next) return null;
    const due = Math.max(new Date(next.nextAttemptAt).getTime(), next.claimedUntil ? new Date(next.claimedUntil).getTime() : 0);
    return due - Date.now();
  }

  private async logBacklog(): Promise<void> {
    if (!this.logger || Date.now() - this.lastBacklogLog < 10_000) return;
    const stats = await this.stats();
    if (stats.backlog === 0) return;
    this.lastBacklogLog = Date.now();
    this.logger.warn({ relayId: this.relayId, ...stats }, 'outbox backlog');
  }
}
