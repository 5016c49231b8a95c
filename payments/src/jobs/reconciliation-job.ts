import type { LifecycleHook, Logger } from '@ticketing/common/core';
import { reconcileOnce, type ReconcileOptions } from '../domain/reconcile';

export interface ReconciliationJobOptions extends ReconcileOptions {
  intervalMs: number;
}

/**
 * Runs a reconciliation pass at start and then every `intervalMs` (one pass at a time), so a claim left
 * pending by a crash is resolved within one interval of the restart. Stopping waits for the running pass.
 */
export function reconciliationHook(options: ReconciliationJobOptions): LifecycleHook {
  const logger: Logger = options.logger.child({ component: 'reconciliation' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async (): Promise<void> => {
    try {
      const report = await reconcileOnce({ ...options, logger });
      if (report.recorded.length + report.released.length + report.refunded.length > 0) logger.info(report, 'Reconciled payments');
    } catch (error) {
      logger.error({ err: error }, 'Reconciliation pass failed');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };

  return {
    name: 'reconciliation',
    start: () => {
      stopped = false;
      running = pass().finally(schedule);
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
