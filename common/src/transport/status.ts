import type { ConnectionStatus } from './transport';

/** A tiny fan-out for connection status changes; a throwing listener does not stop the others. */
export class StatusListeners {
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();

  add(listener: (status: ConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(status: ConnectionStatus, onError: (err: unknown) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch (err) {
        onError(err);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wakes every waiter at once; a waiter that times out leaves nothing behind. */
export class Signal {
  private readonly waiters = new Set<() => void>();

  /** Resolves true when fired, false after `ms`. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, ms);
      this.waiters.add(wake);
    });
  }

  fire(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
