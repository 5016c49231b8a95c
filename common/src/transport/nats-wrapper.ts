import type { LifecycleHook, ReadinessCheck } from '../core/lifecycle';
import { createTransport } from './create-transport';
import type { StreamingTransportOptions } from './streaming-transport';
import type { ConnectionStatus, Transport, TransportConfig } from './transport';

/**
 * The per-service broker connection (one instance, `export const natsWrapper = new NatsWrapper()`),
 * replaced in unit tests by `src/__mocks__/nats-wrapper.ts`.
 */
export class NatsWrapper {
  private transport: Transport | undefined;
  private connecting: Promise<Transport> | undefined;
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();

  /** The connected transport; throws before `connect` has resolved. */
  get client(): Transport {
    if (!this.transport) throw new Error('Cannot access NATS client before connecting');
    return this.transport;
  }

  /**
   * Connects once: concurrent and repeated calls share the first connection. After a failure the
   * next call tries again. The connection then reconnects forever on its own.
   */
  connect(config: TransportConfig, options: StreamingTransportOptions = {}): Promise<Transport> {
    this.connecting ??= createTransport(config, options).then(
      (transport) => {
        this.transport = transport;
        transport.onStatus((status) => {
          for (const listener of [...this.statusListeners]) listener(status);
        });
        return transport;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  isConnected(): boolean {
    return this.transport?.isConnected() ?? false;
  }

  /** Every status change (disconnected, reconnected, closed); returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  /** Called each time the connection comes back after a broker outage. */
  onReconnect(listener: () => void): () => void {
    return this.onStatus((status) => {
      if (status === 'reconnected') listener();
    });
  }

  /** Drains and closes; a later `connect` opens a new connection. */
  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    this.transport = undefined;
    if (!connecting) return;
    const transport = await connecting.catch(() => undefined);
    await transport?.close();
  }
}

/** `/readyz` check: ready while the broker connection is up. */
export function natsReadinessCheck(wrapper: Pick<NatsWrapper, 'isConnected'>): ReadinessCheck {
  return { name: 'broker', check: () => wrapper.isConnected() };
}

/**
 * A `startService` hook: connects the wrapper, then starts the listeners (`start` receives the
 * connected client); on stop, closes the listeners it returned and drains the connection.
 */
export function natsLifecycleHook(
  wrapper: NatsWrapper,
  config: TransportConfig,
  start: (client: Transport) => Promise<readonly { close(): Promise<void> }[]> | readonly { close(): Promise<void> }[] = () => [],
  options: StreamingTransportOptions = {},
): LifecycleHook {
  let started: readonly { close(): Promise<void> }[] = [];
  return {
    name: 'nats',
    start: async () => {
      const client = await wrapper.connect(config, options);
      try {
        started = await start(client);
      } catch (err) {
        await wrapper.close();
        throw err;
      }
    },
    stop: async () => {
      await Promise.all(started.map((listener) => listener.close()));
      started = [];
      await wrapper.close();
    },
  };
}
