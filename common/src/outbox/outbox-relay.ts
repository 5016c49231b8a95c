import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { ServiceMetrics } from '../metrics';
import { HandOffs } from './hand-offs';
import { Outbox } from './outbox';
import type { RelayRow, RelayStore, RelayWrite } from './relay-store';
import { tracingHooks, type TraceContext } from '../tracing/trace-hooks';

/** Where the relay sends events: a transport's raw publish, resolved once the broker stored it. */
export interface EventSink {
  publish(subject: string, data: object, opts: { msgId: string; traceContext?: TraceContext }): Promise<unknown>;
}

export interface OutboxRelayOptions {
  /** Identifies this relay in claims and logs (default: random). */
  relayId?: string;
  /** How long a claim holds; a relay that died releases its rows after this (default 10 s). */
  claimMs?: number;
  /** Most events one pass claims and publishes, and most aggregates it reads (default 200). */
  batchSize?: number;
  /** Periodic sweep, so nothing depends on the writer process surviving (default 1 s). */
  sweepIntervalMs?: number;
  /**
   * How long published rows may wait to be marked, so that one write marks many (default 50 ms); a
   * claim written meanwhile carries them. Only the bookkeeping waits: the events are published already.
   */
  markDelayMs?: number;
  /**
   * Claim the events this process writes as they are written (default true), so that publishing a
   * hand-off costs no claim write; false leaves them unclaimed, for any relay to claim when it reads
   * them (one relay per store claims on write; see RelayStore.claimOnWrite).
   */
  claimOnWrite?: boolean;
  /** Backoff after a failed publish: min, doubling per attempt, up to max (defaults 100 ms, 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Counts every event the broker acknowledged (`events_published_total{subject}`). */
  metrics?: ServiceMetrics;
}

export interface OutboxStats {
  /** Unpublished events. */
  backlog: number;
  /** Age of the oldest unpublished event, or null when there is none. */
  oldestUnpublishedAgeMs: number | null;
  /**
   * Since this relay started: `duplicate` acknowledgements for rows no relay had tried to publish
   * before. The broker already held a message with that id: a forged message may have taken it
   * (docs/security.md, "Broker").
   */
  duplicatesOfUnpublished: number;
}

/** True when the sink's receipt says the broker already held a message with this id. */
function isDuplicateAck(ack: unknown): boolean {
  return typeof ack === 'object' && ack !== null && (ack as { duplicate?: unknown }).duplicate === true;
}

/**
 * Publishes unpublished outbox rows and marks them published. Safe with several relays on one outbox:
 * a relay publishes an aggregate's rows only from its head (lowest unpublished version) on, in order,
 * and only rows it claimed atomically; claims lapse, and the broker's message-id de-duplication
 * absorbs a re-publish after a relay died between the broker's ack and marking the row.
 */
export class OutboxRelay {
  readonly relayId: string;
  /**
   * What this relay instance claims the events of its process with as they are written (see
   * RelayStore.claimOnWrite): unique to the instance, so a row holding it was never attempted by another.
   */
  private readonly writeToken: string;
  private unclaimWrites?: () => void;
  private readonly claimMs: number;
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly markDelayMs: number;
  private readonly claimOnWrite: boolean;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly logger?: OutboxRelayOptions['logger'];
  private readonly metrics?: ServiceMetrics;
  /** Where the rows are: the outbox collection, or the aggregates' documents. */
  private readonly store: RelayStore;

  private running = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private again = false;
  private unsubscribe?: () => void;
  private lastBacklogCheck = 0;
  private passes = 0;
  private lastPassFull = false;
  private failedInLoop = false;
  private duplicatesOfUnpublished = 0;
  /** Rows this process just committed, not yet looked at by a pass. */
  private readonly handOffs: HandOffs<RelayRow>;
  /** When a pass last read the outbox: hand-offs never postpone that read past the sweep interval. */
  private lastReadAt = 0;
  /** Rows the broker acknowledged, by _id, with when: still to be marked published (see markDelayMs). */
  private readonly unmarked = new Map<string, { row: RelayRow; publishedAt: Date }>();
  /** Ends the wait for a kick after a loop's passes (see loop). */
  private wake?: (kicked: boolean) => void;

  /** `source`: an Outbox (its collection), or another store such as an EmbeddedOutbox. */
  constructor(
    source: Outbox | RelayStore,
    private readonly sink: EventSink,
    opts: OutboxRelayOptions = {},
  ) {
    this.relayId = opts.relayId ?? `relay-${crypto.randomBytes(4).toString('hex')}`;
    this.writeToken = `${this.relayId}:write:${crypto.randomBytes(4).toString('hex')}`;
    this.claimMs = opts.claimMs ?? 10_000;
    this.batchSize = opts.batchSize ?? 200;
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 1_000;
    this.markDelayMs = opts.markDelayMs ?? 50;
    this.claimOnWrite = opts.claimOnWrite ?? true;
    this.retryMinMs = opts.retryMinMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.metrics?.registerEventMetrics();
    this.handOffs = new HandOffs(this.batchSize);
    this.store = source instanceof Outbox ? source.relayStore : source;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.unsubscribe = this.store.onCommit((rows) => this.handOff(rows));
    // The commits this process makes from now on come claimed by this relay: the hand-off needs no claim write.
    if (this.claimOnWrite) {
      this.unclaimWrites = this.store.claimOnWrite(() =>
        this.running ? { claimedBy: this.writeToken, claimedUntil: new Date(Date.now() + this.claimMs) } : null,
      );
    }
    this.schedule(0);
  }

  /** Rows committed in this process: the next pass may publish them without reading the outbox. */
  private handOff(rows: readonly RelayRow[]): void {
    if (!this.running) return;
    // Rows written claimed by another relay of this process are that relay's to publish.
    const mine = rows.filter((row) => !row.claimedBy || row.claimedBy === this.writeToken);
    if (mine.length === 0) return;
    this.handOffs.add(mine);
    this.kick();
  }

  /** Wakes the relay now (after a commit, or when the broker connection comes back). */
  kick(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      this.wake?.(true);
      return;
    }
    this.schedule(0);
  }

  /** Stops claiming, lets the pass in flight finish, and returns once nothing is in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.unsubscribe?.();
    this.unclaimWrites?.();
    this.unclaimWrites = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const queued = this.handOffs.takeAll();
    this.wake?.(false);
    await this.pass;
    // Rows written claimed by this relay and not published: released now, so that another relay
    // takes them at once rather than when the claim lapses.
    const held = queued.filter((row) => row.claimedBy === this.writeToken);
    await this.writeWithMarks(held.map((row): RelayWrite => ({ kind: 'release', row, token: this.writeToken })));
  }

  async stats(): Promise<OutboxStats> {
    const { backlog, oldestCreatedAt } = await this.store.levels();
    return {
      backlog,
      oldestUnpublishedAgeMs: oldestCreatedAt ? Date.now() - oldestCreatedAt.getTime() : null,
      duplicatesOfUnpublished: this.duplicatesOfUnpublished,
    };
  }

  /** Runs passes until one finds nothing to do; exposed for tests and for draining at shutdown. */
  async drain(): Promise<void> {
    while (await this.runPass()) {
      /* keep going while there is work */
    }
    await this.flushMarks();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const arm = (): NodeJS.Timeout =>
      setTimeout(() => {
        this.timer = undefined;
        this.pass = this.loop().finally(() => {
          this.pass = undefined;
        });
      }, delayMs);
    // A commit kicks the relay from inside its request: the passes must not join that request's trace.
    const tracing = tracingHooks();
    this.timer = tracing ? tracing.outsideTrace(arm) : arm();
  }

  private async loop(): Promise<void> {
    let next = this.sweepIntervalMs;
    this.failedInLoop = false;
    try {
      do {
        do {
          this.again = false;
          const progressed = await this.runPass();
          // Another pass right away only when this one left work behind (it was full); commits made
          // meanwhile in this process set `again` through kick(), other processes' through the sweep.
          if (progressed && this.lastPassFull) this.again = true;
          if (this.marksDue()) await this.flushMarks();
        } while (this.again && this.running);
        // Rows published but not yet marked: a commit soon after brings a pass whose claim marks them.
      } while (this.unmarked.size > 0 && this.running && (await this.kickedWithin(this.markDelayMs)));
      await this.flushMarks();
    } catch (err) {
      // The database itself failed (e.g. not reachable): try again on the next sweep.
      this.logger?.warn({ err, relayId: this.relayId }, 'outbox relay pass failed');
    }
    await this.logBacklog().catch(() => undefined);
    if (this.running) {
      // A failed publish waits for its backoff, which may be shorter than the sweep interval.
      const due = this.failedInLoop ? await this.nextDueInMs().catch(() => null) : null;
      if (due !== null) next = Math.min(next, Math.max(due, 10));
      // A commit that came while the last marks were written or the backlog was logged: at once.
      this.schedule(this.again ? 0 : next);
    }
  }

  /** Waits up to `ms` for a kick; false when none came (or the relay stopped). */
  private kickedWithin(ms: number): Promise<boolean> {
    if (this.again) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const done = (kicked: boolean): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(kicked);
      };
      this.wake = done;
    });
  }

  /**
   * Writes `writes` in one command after the marks still due (published, no claim left), and forgets
   * those marks once written. Returns how many statements changed nothing (a claim another relay won).
   */
  private async writeWithMarks(writes: RelayWrite[]): Promise<{ unchanged: number }> {
    const due = [...this.unmarked.entries()];
    const marks = due.map(([, { row, publishedAt }]): RelayWrite => ({ kind: 'mark', row, publishedAt }));
    const result = await this.store.write([...marks, ...writes]);
    for (const [key] of due) this.unmarked.delete(key);
    return result;
  }

  /** Marks what is left to mark now (the loop found no next pass to carry it; stop; drain). */
  private async flushMarks(): Promise<void> {
    if (this.unmarked.size > 0) await this.writeWithMarks([]);
  }

  /**
   * Whether the marks must be written now rather than wait for a claim to carry them: rows written
   * claimed by this relay need no claim, so under a steady flow of them no claim would come.
   */
  private marksDue(): boolean {
    if (this.unmarked.size >= this.batchSize) return true;
    const oldest = this.unmarked.values().next();
    return !oldest.done && Date.now() - oldest.value.publishedAt.getTime() >= this.markDelayMs;
  }

  /**
   * One pass: reads up to `batchSize` unpublished rows and takes each aggregate's head run (its
   * lowest unpublished versions in order, as long as they are due and unclaimed), claims them in one
   * write, publishes each aggregate's run in version order (aggregates in parallel), and marks what
   * was published in one write. A few round trips per pass however many events it carries, where
   * publishing one event at a time cost a head read, a claim and a mark each. When the rows this
   * process just committed are known to be their aggregates' heads (see HandOffs), the read is
   * skipped. What a pass published is marked by the next pass's claim when one follows within
   * markDelayMs, so under a steady flow of commits a pass costs a single write. True if it published
   * anything.
   */
  private async runPass(): Promise<boolean> {
    this.lastPassFull = false;
    if (this.stopped) return false;
    const now = new Date();
    const handedOff = this.handOffs.takeRuns();
    const known = now.getTime() - this.lastReadAt < this.sweepIntervalMs ? handedOff : undefined;
    if (!known) {
      this.lastReadAt = now.getTime();
      // Rows published but unmarked would fill the read's window (they are still unpublished there).
      await this.flushMarks();
    }
    const runs = this.withoutLapsedWriteClaims(known ?? (await this.readRuns(now)), now);
    if (runs.length === 0) return false;

    const candidates = runs.flat();
    const token = `${this.relayId}:${(this.passes += 1)}`;
    const claimedUntil = new Date(now.getTime() + this.claimMs);
    // Rows written claimed by this relay are held already; the others are claimed now.
    const toClaim = candidates.filter((row) => row.claimedBy !== this.writeToken);
    // One command: the previous pass's marks, then a claim per row (a conditional update: unclaimed,
    // or its claim lapsed). Everything changed its row exactly when every claim succeeded.
    const claim =
      toClaim.length > 0
        ? await this.writeWithMarks(toClaim.map((row): RelayWrite => ({ kind: 'claim', row, token, claimedUntil, now })))
        : { unchanged: 0 };
    let mine = runs;
    if (claim.unchanged > 0) {
      // Another relay took some rows first: keep, per aggregate, the rows this pass holds from the
      // head on; a row claimed after a gap would overtake the one in the gap, so it is let go.
      const ids = await this.store.claimedBy(toClaim, token);
      for (const row of candidates) if (row.claimedBy === this.writeToken) ids.add(row.msgId);
      mine = runs.map((run) => {
        const prefix: RelayRow[] = [];
        for (const row of run) {
          if (!ids.has(row.msgId)) break;
          prefix.push(row);
        }
        return prefix;
      });
    }

    const published: RelayRow[] = [];
    await Promise.all(mine.filter((run) => run.length > 0).map((run) => this.publishRun(run, token, published)));
    const publishedIds = new Set(published.map((row) => row.msgId));
    const release = candidates.filter((row) => !publishedIds.has(row.msgId));
    const publishedAt = new Date();
    for (const row of published) this.unmarked.set(row.msgId, { row, publishedAt });
    if (release.length > 0) {
      // Claimed but not published (stopped, a failure earlier in the run, a gap): free them now
      // rather than when the claim lapses, with the marks. Rows another relay holds are not touched.
      await this.writeWithMarks(release.map((row): RelayWrite => ({ kind: 'release', row, token: this.tokenOf(row, token) })));
    }
    return published.length > 0;
  }

  /**
   * The head runs (see runPass) of the aggregates in the first `batchSize` unpublished rows, in
   * (aggregate, version) order: each aggregate in that window starts at its head, since no row of it
   * is filtered out. Aggregates whose head waits for a retry or is held by a live relay are skipped,
   * and if the whole window is such aggregates, it is read again without them, so they cannot hold
   * the others back.
   */
  private async readRuns(now: Date): Promise<RelayRow[][]> {
    const skipped: string[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { rows, full } = await this.store.readUnpublished(this.batchSize, skipped);
      const runs: RelayRow[][] = [];
      let current: string | undefined;
      let run: RelayRow[] = [];
      let open = false;
      for (const row of rows) {
        if (row.aggregateId !== current) {
          if (run.length > 0) runs.push(run);
          current = row.aggregateId;
          run = [];
          open = true;
        }
        if (!open) continue;
        // A live claim blocks the row, unless it is this relay's own claim on write (a hand-off the read overtook).
        const claimedByOther = row.claimedBy !== this.writeToken && row.claimedUntil ? row.claimedUntil.getTime() >= now.getTime() : false;
        const blocked = row.nextAttemptAt.getTime() > now.getTime() || claimedByOther;
        if (blocked) {
          // Later versions wait behind it; an aggregate blocked at its head is left out of the next read.
          if (run.length === 0) skipped.push(row.aggregateId);
          open = false;
          continue;
        }
        run.push(row);
      }
      if (run.length > 0) runs.push(run);
      this.lastPassFull = full;
      if (runs.length > 0 || !this.lastPassFull) return runs;
    }
    return [];
  }

  /** Publishes one aggregate's claimed run in version order; stops at the first failure (later versions wait behind it). */
  private async publishRun(run: RelayRow[], token: string, published: RelayRow[]): Promise<void> {
    for (const row of run) {
      if (this.stopped) return;
      let ack: unknown;
      try {
        ack = await this.publishRow(row);
      } catch (err) {
        this.failedInLoop = true;
        const attempts = row.attempts + 1;
        const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(attempts - 1, 20));
        await this.store.fail(row, this.tokenOf(row, token), {
          attempts,
          lastError: err instanceof Error ? err.message : String(err),
          nextAttemptAt: new Date(Date.now() + delay),
        });
        this.logger?.warn({ err, msgId: row.msgId, attempts, retryInMs: delay }, 'outbox publish failed; will retry');
        return;
      }
      if (isDuplicateAck(ack)) this.onDuplicate(row);
      this.metrics?.eventPublished(row.subject);
      this.handOffs.acknowledged(row);
      published.push(row);
    }
  }

  /**
   * The runs with this relay's lapsed claims on write dropped from its copies of the rows: such a row
   * (written long before, e.g. by a transaction that kept retrying) may have been taken by another
   * relay, so it is claimed again like any other.
   */
  private withoutLapsedWriteClaims(runs: RelayRow[][], now: Date): RelayRow[][] {
    const lapsed = (row: RelayRow): boolean =>
      row.claimedBy === this.writeToken && (!row.claimedUntil || row.claimedUntil.getTime() < now.getTime());
    if (!runs.some((run) => run.some(lapsed))) return runs;
    return runs.map((run) => run.map((row) => (lapsed(row) ? { ...row, claimedBy: null, claimedUntil: null } : row)));
  }

  /** The token this relay holds `row` with: its claim on write, or the pass's claim. */
  private tokenOf(row: RelayRow, passToken: string): string {
    return row.claimedBy === this.writeToken ? this.writeToken : passToken;
  }

  /** Publishes one row; with tracing on, in a producer span that is a child of the context the row was written in. */
  private publishRow(row: RelayRow): Promise<unknown> {
    const tracing = tracingHooks();
    if (!tracing) return this.sink.publish(row.subject, row.data, { msgId: row.msgId });
    const parent = row.traceparent
      ? { traceparent: row.traceparent, ...(row.tracestate ? { tracestate: row.tracestate } : {}) }
      : undefined;
    return tracing.publish({ subject: row.subject, msgId: row.msgId }, parent, (traceContext) =>
      this.sink.publish(row.subject, row.data, traceContext ? { msgId: row.msgId, traceContext } : { msgId: row.msgId }),
    );
  }

  /**
   * A duplicate ack is expected for a row a relay may have published before (a failed attempt that
   * the broker stored after all, or a lapsed claim: a relay that died between the ack and marking
   * the row). For a row never attempted and never claimed before, the broker holding its id means
   * someone else published that id first. The row is still marked published (a re-publish would be
   * dropped as well), but it is logged as an error and counted.
   */
  private onDuplicate(row: RelayRow): void {
    // A row this relay claimed on write was never attempted by another (the token is this instance's).
    const neverPublished = row.attempts === 0 && (!row.claimedUntil || row.claimedBy === this.writeToken);
    if (!neverPublished) {
      this.logger?.debug({ msgId: row.msgId, attempts: row.attempts }, 'outbox publish was a duplicate of an earlier attempt');
      return;
    }
    this.duplicatesOfUnpublished += 1;
    this.logger?.error(
      { msgId: row.msgId, subject: row.subject, relayId: this.relayId, duplicatesOfUnpublished: this.duplicatesOfUnpublished },
      `The broker already held ${row.msgId}, which this outbox had never published: a forged message may have taken its id`,
    );
  }

  /** Milliseconds until the earliest unpublished row is due (retry backoff or a lapsing claim). */
  private async nextDueInMs(): Promise<number | null> {
    const due = await this.store.nextDue();
    return due ? due.getTime() - Date.now() : null;
  }

  private async logBacklog(): Promise<void> {
    // At most every 10 s, whatever the result: counting is a scan, and a loop runs after every commit.
    if (!this.logger || Date.now() - this.lastBacklogCheck < 10_000) return;
    this.lastBacklogCheck = Date.now();
    const stats = await this.stats();
    if (stats.backlog === 0) return;
    this.logger.warn({ relayId: this.relayId, ...stats }, 'outbox backlog');
  }
}
