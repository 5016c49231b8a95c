import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { logger as defaultLogger, Logger } from '../core/logger';
import { METRIC_NAMES, type ConsumedOutcome } from './metric-names';

export type HttpLabel = 'method' | 'route' | 'status_code';

/** Within one scrape both outbox gauges share one read. */
const SCRAPE_READ_REUSE_MS = 1_000;

/** Seconds; from fast reads to a slow password hash. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What a service's outbox holds now, read at scrape time. */
export interface OutboxLevels {
  pending: number;
  /** 0 when nothing is pending. */
  oldestPendingAgeSeconds: number;
}

export interface ServiceMetricsOptions {
  /** Node.js process metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /** Where a failed scrape-time read is reported. */
  logger?: Pick<Logger, 'warn'>;
}

interface EventFamilies {
  published: Counter<'subject'>;
  consumed: Counter<'subject' | 'outcome'>;
  deadLetters: Counter;
}

/**
 * One service's Prometheus metrics, on its own `Registry` (never prom-client's global one, so several
 * apps in one test process do not collide). Families are registered when first used: a service without
 * an outbox or listeners (auth) exports the HTTP and process metrics only.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly logger: Pick<Logger, 'warn'>;
  private http?: Histogram<HttpLabel>;
  private events?: EventFamilies;
  private outboxSources = new Set<() => Promise<OutboxLevels>>();
  private consumerSources = new Map<string, () => Promise<number>>();
  private consumerGauge?: Gauge<'consumer'>;

  constructor(options: ServiceMetricsOptions = {}) {
    this.logger = options.logger ?? defaultLogger;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every family. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  get httpRequestDuration(): Histogram<HttpLabel> {
    this.http ??= new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: 'HTTP request duration in seconds, by method, Express route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers: [this.registry],
    });
    return this.http;
  }

  /** Registers the event families (so `dead_letters_total` reads 0 before the first one). */
  registerEventMetrics(): void {
    this.eventFamilies();
  }

  /** An event the broker stored (the outbox relay's acknowledged publishes). */
  eventPublished(subject: string): void {
    this.eventFamilies().published.inc({ subject });
  }

  /** One delivery to a listener and what became of it. */
  eventConsumed(subject: string, outcome: ConsumedOutcome): void {
    this.eventFamilies().consumed.inc({ subject, outcome });
  }

  deadLettered(): void {
    this.eventFamilies().deadLetters.inc();
  }

  /**
   * The outbox gauges, read by `read` at every scrape. Returns the unregister function. With several
   * sources the levels add up (one per outbox).
   */
  observeOutbox(read: () => Promise<OutboxLevels>): () => void {
    this.outboxSources.add(read);
    this.registerOutboxGauges();
    return () => this.outboxSources.delete(read);
  }

  /** `consumer_pending_messages{consumer}`, read by `read` at every scrape; returns the unregister function. */
  observeConsumer(consumer: string, read: () => Promise<number>): () => void {
    this.consumerSources.set(consumer, read);
    this.registerConsumerGauge();
    return () => {
      if (this.consumerSources.get(consumer) !== read) return;
      this.consumerSources.delete(consumer);
      this.consumerGauge?.remove({ consumer });
    };
  }

  private eventFamilies(): EventFamilies {
    this.events ??= {
      published: new Counter({
        name: METRIC_NAMES.eventsPublished,
        help: 'Events the broker stored, by subject',
        labelNames: ['subject'],
        registers: [this.registry],
      }),
      consumed: new Counter({
        name: METRIC_NAMES.eventsConsumed,
        help: 'Deliveries to this service’s listeners, by subject and outcome',
        labelNames: ['subject', 'outcome'],
        registers: [this.registry],
      }),
      deadLetters: new Counter({
        name: METRIC_NAMES.deadLetters,
        help: 'Events this service’s listeners gave up on and recorded as dead letters',
        registers: [this.registry],
      }),
    };
    return this.events;
  }

  private registerOutboxGauges(): void {
    if (this.registry.getSingleMetric(METRIC_NAMES.outboxPending)) return;
    // Both gauges come from one read per scrape: whichever collects first reads, the other reuses it.
    let last: { at: number; levels: Promise<OutboxLevels | undefined> } | undefined;
    const readOnce = (): Promise<OutboxLevels | undefined> => {
      if (!last || Date.now() - last.at > SCRAPE_READ_REUSE_MS)
        last = { at: Date.now(), levels: readOutbox(this.outboxSources, this.logger) };
      return last.levels;
    };
    new Gauge({
      name: METRIC_NAMES.outboxPending,
      help: 'Outbox events not yet published (read from the outbox at scrape time)',
      registers: [this.registry],
      async collect() {
        const read = await readOnce();
        if (read) this.set(read.pending);
      },
    });
    new Gauge({
      name: METRIC_NAMES.outboxOldestPendingAge,
      help: 'Age in seconds of the oldest unpublished outbox event, 0 when none (read at scrape time)',
      registers: [this.registry],
      async collect() {
        const read = await readOnce();
        if (read) this.set(read.oldestPendingAgeSeconds);
      },
    });
  }

  private registerConsumerGauge(): void {
    if (this.consumerGauge) return;
    const sources = this.consumerSources;
    const logger = this.logger;
    this.consumerGauge = new Gauge({
      name: METRIC_NAMES.consumerPending,
      help: 'Messages the durable consumer still has to get acknowledged: undelivered plus awaiting ack (broker consumer info at scrape time)',
      labelNames: ['consumer'],
      registers: [this.registry],
      async collect() {
        await Promise.all(
          [...sources].map(async ([consumer, read]) => {
            try {
              this.set({ consumer }, await read());
            } catch (err) {
              // Keep the last value: a broker that cannot answer is what `up` and readiness say.
              logger.warn({ err, consumer }, 'Cannot read the consumer’s pending messages');
            }
          }),
        );
      },
    });
  }
}

/** Sums the sources; undefined (the gauges keep their last values) when one cannot be read. */
async function readOutbox(sources: Iterable<() => Promise<OutboxLevels>>, logger: Pick<Logger, 'warn'>): Promise<OutboxLevels | undefined> {
  try {
    const all = await Promise.all([...sources].map((read) => read()));
    return {
      pending: all.reduce((sum, levels) => sum + levels.pending, 0),
      oldestPendingAgeSeconds: Math.max(0, ...all.map((levels) => levels.oldestPendingAgeSeconds)),
    };
  } catch (err) {
    logger.warn({ err }, 'Cannot read the outbox levels');
    return undefined;
  }
}
