import { LifecycleHook, Logger, logger as defaultLogger } from '@ticketing/common/core';
import { mongooseHook, ServiceDefinition } from '@ticketing/common/http';
import { ServiceMetrics } from '@ticketing/common/metrics';
import { natsLifecycleHook, StreamingTransportOptions } from '@ticketing/common/transport';
import { Outbox, outboxRelayHook, OutboxRelayOptions } from '@ticketing/common/outbox';
import mongoose from 'mongoose';
import { createApp } from './app';
import { loadConfig, TicketsConfig } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { natsWrapper } from './nats-wrapper';
import { initCollections, ticketEvents } from './outbox';

export interface TicketsServiceOptions {
  /** Default: the environment. */
  loadConfig?: () => TicketsConfig;
  logger?: Logger;
  /** Broker connection tuning (tests shorten the timeouts). */
  transport?: StreamingTransportOptions;
  /** Outbox relay tuning (the service's logger is used). */
  relay?: Omit<OutboxRelayOptions, 'logger'>;
}

/** Creates the collection's indexes, the outbox relay's included. */
function collectionsHook(): LifecycleHook {
  return { name: 'collections', start: initCollections, stop: () => undefined };
}

/**
 * A database written before the tickets kept their own events may still hold unpublished rows in the
 * `outbox` collection. When it does at boot, a relay over that collection publishes them as well
 * (consumers take them in version order whichever relay sends them first: an early version waits).
 */
function earlierOutboxHook(logger: Logger, relay: TicketsServiceOptions['relay']): LifecycleHook {
  let running: LifecycleHook | undefined;
  return {
    name: 'earlier outbox relay',
    start: async () => {
      const earlier = new Outbox(mongoose.connection);
      if (!(await earlier.model.exists({ publishedAt: null }))) return;
      logger.warn('the outbox collection holds unpublished events written before the tickets kept their own: relaying them too');
      running = outboxRelayHook(earlier, natsWrapper, { logger, ...relay });
      await running.start();
    },
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
  };
}

/**
 * The tickets service as `runService`/`startService` run it: MongoDB, the collections, the broker with
 * the order listeners, then the outbox relay (of the events kept on the tickets); stopped in reverse (relay, listeners and broker, MongoDB).
 */
export function ticketsService(options: TicketsServiceOptions = {}): ServiceDefinition<TicketsConfig> {
  const logger = options.logger ?? defaultLogger;
  const metrics = new ServiceMetrics({ logger });
  return {
    name: 'tickets',
    logger,
    loadConfig: options.loadConfig ?? (() => loadConfig()),
    createApp: (config) => createApp(config, { logger, metrics }),
    hooks: (config) => [
      mongooseHook(config.MONGO_URI),
      collectionsHook(),
      natsLifecycleHook(
        natsWrapper,
        config,
        async (client) => {
          const listeners = [
            new OrderCreatedListener(client, { logger, metrics }),
            new OrderCancelledListener(client, { logger, metrics }),
          ];
          await Promise.all(listeners.map((listener) => listener.listen()));
          return listeners;
        },
        { logger, ...options.transport },
      ),
      outboxRelayHook(ticketEvents, natsWrapper, { logger, metrics, ...options.relay }),
      earlierOutboxHook(logger, options.relay),
    ],
  };
}
