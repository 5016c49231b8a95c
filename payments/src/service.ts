import { LifecycleHook, Logger, logger as defaultLogger } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { ServiceMetrics } from '@ticketing/common/metrics';
import { outboxRelayHook, OutboxRelayOptions } from '@ticketing/common/outbox';
import { natsLifecycleHook, StreamingTransportOptions } from '@ticketing/common/transport';
import { createApp } from './app';
import { loadConfig, PaymentsConfig } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { reconciliationHook } from './jobs/reconciliation-job';
import { OrderModel } from './models/order';
import { PaymentModel } from './models/payment';
import { natsWrapper } from './nats-wrapper';
import { inbox, outbox } from './outbox';
import { createStripeClient, PaymentProvider, stripeProvider } from './stripe-provider';

export interface PaymentsServiceOptions {
  /** Default: the environment. */
  loadConfig?: () => PaymentsConfig;
  logger?: Logger;
  /** Broker connection tuning (tests shorten the timeouts). */
  transport?: StreamingTransportOptions;
  relay?: OutboxRelayOptions;
  /** How long a claim with no succeeded intent stays pending before reconciliation releases it. */
  claimGraceMs?: number;
}

/** Creates the collections and indexes the transactions write to (DDL cannot run inside one). */
function collectionsHook(): LifecycleHook {
  return {
    name: 'collections',
    start: async () => {
      await Promise.all([outbox.init(), inbox.init(), OrderModel.init(), PaymentModel.init()]);
    },
    stop: () => undefined,
  };
}

/**
 * The payments service as `runService`/`startService` run it: MongoDB, the collections, the broker with
 * the order listeners, the outbox relay, then the reconciliation job; stopped in reverse.
 */
export function paymentsService(options: PaymentsServiceOptions = {}): ServiceDefinition<PaymentsConfig> {
  const logger = options.logger ?? defaultLogger;
  const metrics = new ServiceMetrics({ logger });
  let provider: PaymentProvider | undefined;
  const providerFor = (config: PaymentsConfig): PaymentProvider => (provider ??= stripeProvider(createStripeClient(config)));
  return {
    name: 'payments',
    logger,
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger, metrics, provider: providerFor(config) }),
    hooks: (config) => [
      mongooseHook(config.MONGO_URI),
      collectionsHook(),
      natsLifecycleHook(
        natsWrapper,
        config,
        async (client) => {
          const listeners = [
            new OrderCreatedListener(client, { logger, metrics }),
            new OrderCancelledListener(client, providerFor(config), { logger, metrics }),
          ];
          await Promise.all(listeners.map((listener) => listener.listen()));
          return listeners;
        },
        { logger, ...options.transport },
      ),
      outboxRelayHook(outbox, natsWrapper, { ...options.relay, logger, metrics }),
      reconciliationHook({
        provider: providerFor(config),
        logger,
        intervalMs: config.RECONCILE_INTERVAL_MS,
        claimGraceMs: options.claimGraceMs,
      }),
    ],
  };
}
