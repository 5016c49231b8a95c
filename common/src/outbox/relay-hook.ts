import type { LifecycleHook } from '../core/lifecycle';
import type { Logger } from '../core/logger';
import type { NatsWrapper } from '../transport/nats-wrapper';
import { Outbox, type OutboxEvent } from './outbox';
import { observeOutbox } from './outbox-metrics';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import type { RelayStore } from './relay-store';

/**
 * The lifecycle hook every service with an outbox runs after its broker hook: a relay that publishes
 * what the outbox holds (an Outbox, or another store such as an EmbeddedOutbox), woken by every commit and by the broker coming back (so a backlog leaves at
 * once, not at the next sweep). Stopped before the broker disconnects. With `metrics`, it counts what it
 * publishes and exports the outbox gauges.
 */
export function outboxRelayHook<E extends OutboxEvent>(
  outbox: Outbox<E> | RelayStore,
  nats: Pick<NatsWrapper, 'client' | 'onReconnect'>,
  options: OutboxRelayOptions & { logger?: Logger } = {},
): LifecycleHook {
  let relay: OutboxRelay | undefined;
  let unsubscribe: (() => void) | undefined;
  let unobserve: (() => void) | undefined;
  return {
    name: 'outbox relay',
    start: () => {
      const started = new OutboxRelay(outbox, nats.client, { ...options, logger: options.logger?.child({ component: 'outbox-relay' }) });
      started.start();
      relay = started;
      unsubscribe = nats.onReconnect(() => started.kick());
      if (options.metrics) unobserve = observeOutbox(options.metrics, outbox instanceof Outbox ? outbox.relayStore : outbox);
    },
    stop: async () => {
      unsubscribe?.();
      unobserve?.();
      await relay?.stop();
      relay = undefined;
    },
  };
}
