import { logger as defaultLogger, Logger, LifecycleHook } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { ServiceMetrics } from '@ticketing/common/metrics';
import { outboxRelayHook } from '@ticketing/common/outbox';
import { natsLifecycleHook } from '@ticketing/common/transport';
import { createApp } from './app';
import { loadConfig, OrdersConfig } from './config';
import { PaymentCreatedListener } from './events/listeners/payment-created-listener';
import { TicketCreatedListener } from './events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from './events/listeners/ticket-updated-listener';
import { ExpirationSweeper } from './jobs/expiration-sweeper';
import { natsWrapper } from './nats-wrapper';
import { initCollections, outbox } from './outbox';

export interface OrdersServiceOptions {
  /** Default: `loadConfig()` from the process environment. */
  loadConfig?: () => OrdersConfig;
  logger?: Logger;
}

/**
 * The orders service: MongoDB, its collections and indexes, the broker with the ticket and payment
 * listeners, the outbox relay, and the expiry sweeper, started in that order and stopped in reverse.
 */
export function ordersService(options: OrdersServiceOptions = {}): ServiceDefinition<OrdersConfig> {
  const logger = options.logger ?? defaultLogger;
  const metrics = new ServiceMetrics({ logger });
  return {
    name: 'orders',
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger, metrics }),
    logger,
    hooks: (config) => [
      mongooseHook(config.MONGO_URI),
      { name: 'collections', start: initCollections, stop: () => undefined },
      natsLifecycleHook(natsWrapper, config, async (client) => {
        const listeners = [
          new TicketCreatedListener(client, { logger, metrics }),
          new TicketUpdatedListener(client, { logger, metrics }),
          new PaymentCreatedListener(client, { logger, metrics }),
        ];
        await Promise.all(listeners.map((listener) => listener.listen()));
        return listeners;
      }),
      outboxRelayHook(outbox, natsWrapper, { logger, metrics }),
      expirationSweeperHook(config, logger),
    ],
  };
}

function expirationSweeperHook(config: OrdersConfig, logger: Logger): LifecycleHook {
  const sweeper = new ExpirationSweeper({
    intervalMs: config.EXPIRATION_SWEEP_INTERVAL_MS,
    logger: logger.child({ component: 'expiration-sweeper' }),
  });
  return { name: 'expiration sweeper', start: () => sweeper.start(), stop: () => sweeper.stop() };
}
