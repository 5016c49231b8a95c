import { logger as defaultLogger, Logger, LifecycleHook } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { natsLifecycleHook } from '@ticketing/common/transport';
import { OutboxRelay } from '@ticketing/common/outbox';
import { createApp } from './app';
import { loadConfig, OrdersConfig } from './config';
import { initDatabase, outbox } from './database';
import { TicketCreatedListener } from './events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from './events/listeners/ticket-updated-listener';
import { ExpirationSweeper } from './expiration/expiration-sweeper';
import { natsWrapper } from './nats-wrapper';

export interface OrdersServiceOptions {
  /** Default: `loadConfig()` from the process environment. */
  loadConfig?: () => OrdersConfig;
  logger?: Logger;
}

/**
 * The orders service: MongoDB, its collections and indexes, the broker with the ticket listeners, the
 * outbox relay, and the expiry sweeper, started in that order and stopped in reverse.
 */
export function ordersService(options: OrdersServiceOptions = {}): ServiceDefinition<OrdersConfig> {
  const logger = options.logger ?? defaultLogger;
  return {
    name: 'orders',
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger }),
    logger,
    hooks: (config) => [
      mongooseHook(config.MONGO_URI),
      { name: 'database setup', start: initDatabase, stop: () => undefined },
      natsLifecycleHook(natsWrapper, config, async (client) => {
        const listeners = [new TicketCreatedListener(client, { logger }), new TicketUpdatedListener(client, { logger })];
        await Promise.all(listeners.map((listener) => listener.listen()));
        return listeners;
      }),
      outboxRelayHook(logger),
      expirationSweeperHook(config, logger),
    ],
  };
}

function outboxRelayHook(logger: Logger): LifecycleHook {
  let relay: OutboxRelay | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'outbox relay',
    start: () => {
      relay = new OutboxRelay(outbox, natsWrapper.client, { logger: logger.child({ component: 'outbox-relay' }) });
      relay.start();
      // Publish the backlog as soon as the broker is back rather than at the next sweep.
      const started = relay;
      unsubscribe = natsWrapper.onReconnect(() => started.kick());
    },
    stop: async () => {
      unsubscribe?.();
      await relay?.stop();
    },
  };
}

function expirationSweeperHook(config: OrdersConfig, logger: Logger): LifecycleHook {
  const sweeper = new ExpirationSweeper({
    intervalMs: config.EXPIRATION_SWEEP_INTERVAL_MS,
    logger: logger.child({ component: 'expiration-sweeper' }),
  });
  return { name: 'expiration sweeper', start: () => sweeper.start(), stop: () => sweeper.stop() };
}
