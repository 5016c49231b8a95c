import { logger as defaultLogger } from '@ticketing/common/core';
import type { Logger } from '@ticketing/common/core';
import { dueOrderIds, expireOrder } from '../domain/orders';

export interface ExpirationSweeperOptions {
  /** Pause between sweeps (default 1 000 ms). */
  intervalMs?: number;
  /** Orders examined per query (default 100); a full batch is followed by another at once. */
  batchSize?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

/**
 * Cancels orders still `created` after their `expiresAt` (never one awaiting payment or complete). Driven by the database, not by timers per
 * order, so it survives restarts; several replicas may sweep at once, since each cancellation re-checks
 * the order inside its transaction and concurrent writers conflict (one wins, the others see it done).
 */
export class ExpirationSweeper {
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  private running = false;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private cancelled = 0;

  constructor(options: ExpirationSweeperOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 100;
    this.logger = options.logger ?? defaultLogger;
  }

  /** Orders this sweeper cancelled since it was created. */
  get cancelledCount(): number {
    return this.cancelled;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops scheduling and waits for the sweep in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One sweep: cancels every order expired at `now`. Returns how many this call cancelled. */
  async sweepOnce(now: Date = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await dueOrderIds(now, this.batchSize);
      let progressed = 0;
      for (const orderId of due) {
        try {
          if (await expireOrder(orderId, now)) {
            total += 1;
            this.cancelled += 1;
            this.logger.info({ orderId }, 'Order expired and was cancelled');
          }
          progressed += 1;
        } catch (err) {
          // Left for the next sweep.
          this.logger.warn({ err, orderId }, 'Could not expire order');
        }
      }
      if (due.length < this.batchSize || progressed === 0) return total;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass = this.sweepOnce()
        .then(
          () => undefined,
          (err: unknown) => this.logger.warn({ err }, 'Expiration sweep failed'),
        )
        .finally(() => {
          this.pass = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
  }
}
