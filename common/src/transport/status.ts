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

/** Resolves when `promise` settles or after `ms`, whichever is first, leaving no timer behind. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
