import type { OutboxLevels, ServiceMetrics } from '../metrics';
import type { Outbox } from './outbox';

/** A scrape must not hang on a slow database: past this the gauges keep their last values. */
const READ_TIMEOUT_MS = 2_000;

/**
 * The outbox levels read from the collection at scrape time, two indexed reads: the count of
 * unpublished rows (`publishedAt: null`, the relay's scan index) and the oldest of them (the
 * `publishedAt, createdAt` index, so it is one index entry whatever the backlog). Read from the
 * database rather than a relay's memory, every replica reports the same service-wide backlog, even
 * one whose relay is stuck.
 */
export async function readOutboxLevels(outbox: Pick<Outbox, 'model'>, now: () => number = Date.now): Promise<OutboxLevels> {
  const [pending, oldest] = await Promise.all([
    outbox.model.countDocuments({ publishedAt: null }).maxTimeMS(READ_TIMEOUT_MS),
    outbox.model.findOne({ publishedAt: null }).sort({ createdAt: 1 }).select({ createdAt: 1 }).maxTimeMS(READ_TIMEOUT_MS).lean(),
  ]);
  return { pending, oldestPendingAgeSeconds: oldest ? Math.max(0, (now() - oldest.createdAt.getTime()) / 1000) : 0 };
}

/** Exports `outbox_pending_events` and `outbox_oldest_pending_age_seconds` for `outbox`; returns the unregister function. */
export function observeOutbox(metrics: ServiceMetrics, outbox: Pick<Outbox, 'model'>): () => void {
  return metrics.observeOutbox(() => readOutboxLevels(outbox));
}
