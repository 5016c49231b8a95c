import type { EventMessage } from './event-message';
import type { SubscribeOptions } from './transport';
import { errorMessage } from './status';

/**
 * Runs tasks concurrently up to a limit, one at a time and in arrival order per key. A subscription
 * uses it to handle deliveries for different aggregates at once while one aggregate's events keep
 * their order; handling them one by one made a replica apply events at the speed of one database
 * round trip chain, slower than the services write them.
 */
export class KeyedConcurrency {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly admitted = new Set<Promise<void>>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  }

  /** Tasks admitted and not finished (running, or waiting behind an earlier task with their key). */
  get size(): number {
    return this.admitted.size;
  }

  /**
   * Resolves once the task is admitted (fewer than `limit` in flight); it then runs after the
   * earlier tasks of its key, or at once when it has none. Tasks must not reject: a rejection is
   * swallowed here so one failure cannot stall its key.
   */
  async admit(key: string | undefined, task: () => Promise<void>): Promise<void> {
    while (this.admitted.size >= this.limit) await Promise.race(this.admitted);
    const previous = key === undefined ? undefined : this.tails.get(key);
    const done: Promise<void> = (previous ?? Promise.resolve())
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        this.admitted.delete(done);
        if (key !== undefined && this.tails.get(key) === done) this.tails.delete(key);
      });
    this.admitted.add(done);
    if (key !== undefined) this.tails.set(key, done);
  }

  /** Resolves when every admitted task has finished. */
  async idle(): Promise<void> {
    while (this.admitted.size > 0) await Promise.all([...this.admitted]);
  }
}

/**
 * A delivery's ordering key under a subscription's options: undefined when deliveries run one at a
 * time anyway, or when the key function fails (then logged, and the delivery runs unordered rather
 * than not at all).
 */
export function deliveryOrderingKey(
  options: Pick<SubscribeOptions, 'concurrency' | 'orderingKey'>,
  msg: EventMessage,
  warn: (fields: object, message: string) => void,
): string | undefined {
  if ((options.concurrency ?? 1) <= 1 || !options.orderingKey) return undefined;
  try {
    return options.orderingKey(msg);
  } catch (err) {
    warn({ seq: msg.sequence, err: errorMessage(err) }, 'Ordering key failed; handling the delivery unordered');
    return undefined;
  }
}
