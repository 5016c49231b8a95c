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
  /** Slots only known devices may use, besides the shared ones. Default 1. */
  reservedForTrusted?: number;
  /** Hashes that may wait in the known devices' lane, which is served first. Default 16. */
  maxWaitingTrusted?: number;
}

interface Waiter {
  /** Starts the work, telling it whether its slot is a reserved one. */
  start: (reserved: boolean) => void;
}

interface TrustedWaiter extends Waiter {
  key: string;
}

/** Which lane an attempt waits in: a known device's signin (`trusted`) is served before the others. */
export interface LaneOptions {
  trusted?: boolean;
}

/**
 * A small fair queue around password hashing. At most `concurrency` hashes run at once (argon2 is
 * CPU- and memory-bound: more at once only makes every one slower). Waiting work is queued per client
 * key and served round-robin, so one client's flood delays another client by at most one hash per
 * flooding client; a client with `maxWaitingPerKey` hashes waiting, or a full queue, is refused at
 * once with TooManyAttemptsError (429), before any hashing.
 *
 * Known devices (a valid device cookie for the account) have a lane of their own: `reservedForTrusted`
 * slots (default 1) that only they may use, besides the shared ones, and a queue served before the
 * round-robin and bounded separately (`maxWaitingTrusted`). A flood that fills the shared slots and the
 * queue then does not delay a known user at all while the reserved slot is free.
 */
export class HashQueue {
  private running = 0;
  private runningReserved = 0;
  private waiting = 0;
  private readonly queues = new Map<string, Waiter[]>();
  private readonly trusted: TrustedWaiter[] = [];
  readonly concurrency: number;
  readonly reservedForTrusted: number;
  readonly maxWaiting: number;
  readonly maxWaitingPerKey: number;
  readonly maxWaitingTrusted: number;

  constructor(options: HashQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 2;
    this.reservedForTrusted = options.reservedForTrusted ?? 1;
    this.maxWaiting = options.maxWaiting ?? 64;
    this.maxWaitingPerKey = options.maxWaitingPerKey ?? 4;
    this.maxWaitingTrusted = options.maxWaitingTrusted ?? 16;
    if (!(this.concurrency >= 1)) throw new Error('HashQueue needs a concurrency of at least 1');
  }

  /** Hashes running now, in shared and reserved slots. */
  get active(): number {
    return this.running + this.runningReserved;
  }

  /** Whether `run(key, ...)` would be refused now (no free slot, and the lane or the key's share full). */
  wouldRefuse(key: string, { trusted = false }: LaneOptions = {}): boolean {
    if (this.freeSharedSlot() || (trusted && this.freeReservedSlot())) return false;
    if (trusted) {
      const ofKey = this.trusted.filter((waiter) => waiter.key === key).length;
      return ofKey >= this.maxWaitingPerKey || this.trusted.length >= this.maxWaitingTrusted;
    }
    return (this.queues.get(key)?.length ?? 0) >= this.maxWaitingPerKey || this.waiting >= this.maxWaiting;
  }

  /** Runs `work` when a slot is free (the client `key`'s turn, or a known device's, before the others). */
  async run<T>(key: string, work: () => Promise<T>, { trusted = false }: LaneOptions = {}): Promise<T> {
    let reserved = false;
    if (this.freeSharedSlot()) this.running += 1;
    else if (trusted && this.freeReservedSlot()) {
      this.runningReserved += 1;
      reserved = true;
    } else reserved = await this.enqueue(key, trusted);
    try {
      return await work();
    } finally {
      this.release(reserved);
    }
  }

  private freeSharedSlot(): boolean {
    return this.running < this.concurrency && this.waiting === 0 && this.trusted.length === 0;
  }

  private freeReservedSlot(): boolean {
    return this.runningReserved < this.reservedForTrusted && this.trusted.length === 0;
  }

  /** Waits for a slot; resolves with whether it is a reserved one. */
  private enqueue(key: string, trusted: boolean): Promise<boolean> {
    if (this.wouldRefuse(key, { trusted })) return Promise.reject(new TooManyAttemptsError(1));
    if (trusted) return new Promise<boolean>((resolve) => this.trusted.push({ key, start: resolve }));
    const queue = this.queues.get(key) ?? [];
    return new Promise<boolean>((resolve) => {
      queue.push({ start: () => resolve(false) });
      this.queues.set(key, queue);
      this.waiting += 1;
    });
  }

  /**
   * Hands the freed slot on: to a known device first; a shared slot else to the first key in line, which
   * then goes to the back.
   */
  private release(reserved: boolean): void {
    const known = this.trusted.shift();
    if (known) {
      known.start(reserved);
      return;
    }
    if (reserved) {
      this.runningReserved -= 1;
      return;
    }
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
    waiter.start(false);
  }
}
