import { CustomError, SerializedError } from '@ticketing/common/http';

export const TOO_MANY_ATTEMPTS_MESSAGE = 'Too many attempts; try again later';

/** 429 in the usual error shape; the route sets `Retry-After` from `retryAfterSeconds`. */
export class TooManyAttemptsError extends CustomError {
  readonly statusCode = 429;

  constructor(readonly retryAfterSeconds = 1) {
    super(TOO_MANY_ATTEMPTS_MESSAGE);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: TOO_MANY_ATTEMPTS_MESSAGE }];
  }
}

export interface HashQueueOptions {
  /** Hashes that run at once. Default 2. */
  concurrency?: number;
  /** Hashes that may wait in all. Default 64. */
  maxWaiting?: number;
  /** Hashes one client (key: its IP) may have waiting. Default 4. */
  maxWaitingPerKey?: number;
}

interface Waiter {
  start: () => void;
}

/**
 * A small fair queue around password hashing. At most `concurrency` hashes run at once (scrypt is
 * CPU- and memory-bound: more at once only makes every one slower). Waiting work is queued per client
 * key and served round-robin, so one client's flood delays another client by at most one hash per
 * flooding client; a client with `maxWaitingPerKey` hashes waiting, or a full queue, is refused at
 * once with TooManyAttemptsError (429), before any hashing.
 */
export class HashQueue {
  private running = 0;
  private waiting = 0;
  private readonly queues = new Map<string, Waiter[]>();
  readonly concurrency: number;
  readonly maxWaiting: number;
  readonly maxWaitingPerKey: number;

  constructor(options: HashQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 2;
    this.maxWaiting = options.maxWaiting ?? 64;
    this.maxWaitingPerKey = options.maxWaitingPerKey ?? 4;
    if (!(this.concurrency >= 1)) throw new Error('HashQueue needs a concurrency of at least 1');
  }

  /** Hashes running now. */
  get active(): number {
    return this.running;
  }

  /** Whether `run(key, ...)` would be refused now (no free slot, and the queue or the key's share full). */
  wouldRefuse(key: string): boolean {
    if (this.running < this.concurrency && this.waiting === 0) return false;
    return (this.queues.get(key)?.length ?? 0) >= this.maxWaitingPerKey || this.waiting >= this.maxWaiting;
  }

  /** Runs `work` when a slot is free (the client `key`'s turn). */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency || this.waiting > 0) await this.enqueue(key);
    else this.running += 1;
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private enqueue(key: string): Promise<void> {
    const queue = this.queues.get(key) ?? [];
    if (queue.length >= this.maxWaitingPerKey || this.waiting >= this.maxWaiting) return Promise.reject(new TooManyAttemptsError(1));
    return new Promise<void>((resolve) => {
      queue.push({ start: resolve });
      this.queues.set(key, queue);
      this.waiting += 1;
    });
  }

  /** Hands the slot to the next waiter: the first key in line, which then goes to the back. */
  private release(): void {
    const next = this.queues.entries().next();
    if (next.done) {
      this.running -= 1;
      return;
    }
    const [key, queue] = next.value;
    const waiter = queue.shift() as Waiter;
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    this.waiting -= 1;
    waiter.start();
  }
}
