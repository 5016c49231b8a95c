import type { OutboxLevels, ServiceMetrics } from '../metrics';
import type { RelayStore } from './relay-store';

/** A scrape must not hang on a slow database: past this the gauges keep their last values. */
const READ_TIMEOUT_MS = 2_000;

/**
 * The outbox levels read from the store at scrape time (indexed reads: see each store's `levels`).
 * Read from the database rather than a relay's memory, every replica reports the same service-wide
 * backlog, even one whose relay is stuck.
 */
export async function readOutboxLevels(store: Pick<RelayStore, 'levels'>, now: () => number = Date.now): Promise<OutboxLevels> {
  const { backlog, oldestCreatedAt } = await store.levels(READ_TIMEOUT_MS);
  return { pending: backlog, oldestPendingAgeSeconds: oldestCreatedAt ? Math.max(0, (now() - oldestCreatedAt.getTime()) / 1000) : 0 };
}

/** Exports `outbox_pending_events` and `outbox_oldest_pending_age_seconds` for `store`; returns the unregister function. */
export function observeOutbox(metrics: ServiceMetrics, store: Pick<RelayStore, 'levels'>): () => void {
  return metrics.observeOutbox(() => readOutboxLevels(store));
}
