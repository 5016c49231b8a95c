import { connect as stanConnect, type SubscriptionOptions } from 'node-nats-streaming';
import type { Logger } from 'pino';
import { SettlingMessage } from './event-message';
import { logger as defaultLogger } from '../core/logger';
import { deliveryOrderingKey, KeyedConcurrency } from './keyed-concurrency';
import { errorMessage, StatusListeners } from './status';
import { brokerCredentials } from './credentials';
import { unwrapTraceEnvelope, wrapInTraceEnvelope } from './trace-envelope';
import type { TraceContext } from '../tracing/trace-hooks';
import { natsServers } from './broker-config';
import type {
  ConnectionStatus,
  DeliveryHandler,
  PublishAck,
  PublishOptions,
  SubscribeOptions,
  Transport,
  TransportConfig,
  TransportOptions,
  TransportSubscription,
} from './transport';

// The slice of node-nats-streaming's API the adapter uses, so tests can hand it a fake client.
type Listener = (...args: unknown[]) => void;
export interface StanEmitter {
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
}
export interface StanMessage {
  getSubject(): string;
  getSequence(): number;
  getRawData(): Buffer;
  isRedelivered(): boolean;
  ack(): void;
}
export interface StanSubscriptionOptions {
  setDeliverAllAvailable(): StanSubscriptionOptions;
  setManualAckMode(manual: boolean): StanSubscriptionOptions;
  setAckWait(millis: number): StanSubscriptionOptions;
  setDurableName(name: string): StanSubscriptionOptions;
  setMaxInFlight(n: number): StanSubscriptionOptions;
}
export interface StanSubscription extends StanEmitter {
  on(event: 'message', listener: (msg: StanMessage) => void): unknown;
  on(event: string, listener: Listener): unknown;
  close(): void;
}
export interface StanClient extends StanEmitter {
  publish(subject: string, data: string, callback: (err: Error | string | undefined, guid: string) => void): string;
  subscribe(subject: string, queueGroup: string, options: StanSubscriptionOptions): StanSubscription;
  subscriptionOptions(): StanSubscriptionOptions;
  close(): void;
}
export type StanConnect = (
  clusterId: string,
  clientId: string,
  options: {
    url: string;
    servers: string[];
    connectTimeout: number;
    maxReconnectAttempts: number;
    reconnectTimeWait: number;
    user?: string;
    pass?: string;
  },
) => StanClient;

export interface StreamingTransportOptions extends TransportOptions {
  /** Replaces `node-nats-streaming`'s `connect` (tests pass a fake client). */
  stanConnect?: StanConnect;
}

/** node-nats-streaming's client seen through `StanClient`. */
const connectRealStan: StanConnect = (clusterId, clientId, options) => {
  const stan = stanConnect(clusterId, clientId, options);
  return {
    on: (event, listener) => stan.on(event, listener),
    once: (event, listener) => stan.once(event, listener),
    removeListener: (event, listener) => stan.removeListener(event, listener),
    publish: (subject, data, callback) => stan.publish(subject, data, callback),
    // The options object came from this client's subscriptionOptions().
    subscribe: (subject, queueGroup, subscriptionOptions) =>
      stan.subscribe(subject, queueGroup, subscriptionOptions as SubscriptionOptions),
    subscriptionOptions: () => stan.subscriptionOptions(),
    close: () => stan.close(),
  };
};

/** NATS Streaming acknowledges in whole seconds: round up so a handler never gets less time than asked. */
export function stanAckWaitMs(ackWaitMs: number): number {
  return Math.max(1, Math.ceil(ackWaitMs / 1000)) * 1000;
}

class StreamingEventMessage extends SettlingMessage {
  readonly subject: string;
  readonly deliveryCount: number;
  readonly msgId = undefined;
  readonly sequence: number;
  readonly rawData: Uint8Array;
  readonly traceContext: TraceContext | undefined;

  constructor(
    private readonly msg: StanMessage,
    private readonly deliveries: Map<number, number>,
  ) {
    super();
    this.subject = msg.getSubject();
    this.sequence = msg.getSequence();
    ({ rawData: this.rawData, traceContext: this.traceContext } = unwrapTraceEnvelope(new Uint8Array(msg.getRawData())));
    // The server only says "redelivered"; count redeliveries this process has seen.
    const seen = this.deliveries.get(this.sequence) ?? 0;
    this.deliveryCount = msg.isRedelivered() ? Math.max(seen, 1) + 1 : 1;
    this.deliveries.set(this.sequence, this.deliveryCount);
  }

  protected doAck(): void {
    this.deliveries.delete(this.sequence);
    this.msg.ack();
  }

  /** No negative acknowledgement in NATS Streaming: leaving it unacknowledged redelivers it after the ack wait. */
  protected doNak(): void {}

  /** No "terminate" in NATS Streaming: acknowledging is the only way to stop redelivery. */
  protected doTerm(): void {
    this.doAck();
  }
}

/** NATS Streaming (STAN) transport: the course's durable queue subscriptions with manual acks. */
export class StreamingTransport implements Transport {
  readonly kind = 'streaming';
  /** NATS Streaming redelivers until acknowledged, forever: nothing is given up, so there are no dead letters. */
  readonly deadLetters = undefined;
  private readonly status = new StatusListeners();
  private connected = true;
  private closedSeen = false;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly stan: StanClient,
    private readonly logger: Logger,
  ) {
    stan.on('disconnect', () => this.setStatus('disconnected', false));
    stan.on('reconnect', () => this.setStatus('reconnected', true));
    stan.on('close', () => this.setStatus('closed', false));
  }

  /** Rejects, never hangs, when no streaming server answers within `connectTimeoutMs` (default 10 000). */
  static connect(config: TransportConfig, options: StreamingTransportOptions = {}): Promise<StreamingTransport> {
    const clusterId = config.NATS_CLUSTER_ID;
    const clientId = config.NATS_CLIENT_ID;
    if (!clusterId || !clientId) {
      return Promise.reject(new Error('NATS Streaming needs NATS_CLUSTER_ID and NATS_CLIENT_ID'));
    }
    const logger = (options.logger ?? defaultLogger).child({ component: 'nats-streaming' });
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const connectFn: StanConnect = options.stanConnect ?? connectRealStan;
    // node-nats tries `url` first, then the `servers` (shuffled) on every reconnect. `url` must be set:
    // node-nats-streaming otherwise fills in nats://localhost:4222, which would join the list.
    const servers = natsServers(config.NATS_URL);
    const stan = connectFn(clusterId, clientId, {
      url: servers[0] ?? config.NATS_URL,
      servers,
      connectTimeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
      // node-nats-streaming's documented `user`/`pass` options, handed to its NATS connection.
      ...brokerCredentials(config),
    });
    // An 'error' event without a listener would crash the process.
    stan.on('error', (err: unknown) => logger.error({ err: errorMessage(err) }, 'NATS Streaming error'));

    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        stan.removeListener('connect', onConnect);
        stan.removeListener('error', onError);
      };
      const onConnect = (): void => {
        cleanup();
        resolve(new StreamingTransport(stan, logger));
      };
      const onError = (err: unknown): void => {
        cleanup();
        try {
          stan.close();
        } catch {
          // already closed
        }
        reject(
          new Error(
            `NATS Streaming server not reachable at ${config.NATS_URL} (cluster ${clusterId}) within ${timeoutMs} ms: ${errorMessage(err)}`,
            { cause: err },
          ),
        );
      };
      // A backstop beyond the library's own connect timeout.
      const timer = setTimeout(() => onError(new Error('no answer to the connect request')), timeoutMs + 500);
      stan.once('connect', onConnect);
      stan.once('error', onError);
    });
  }

  isConnected(): boolean {
    return this.connected;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.status.add(listener);
  }

  /**
   * One attempt; NATS Streaming has no de-duplication, so `msgId` is not sent (consumers' inbox
   * de-duplicates). A trace context is sent in an envelope around the data (no headers here).
   */
  publish(subject: string, data: unknown, options: PublishOptions = {}): Promise<PublishAck> {
    return new Promise((resolve, reject) => {
      try {
        const body = options.traceContext ? wrapInTraceEnvelope(data, options.traceContext) : JSON.stringify(data);
        this.stan.publish(subject, body, (err) => {
          if (err) reject(new Error(`Publish on "${subject}" was not acknowledged by NATS Streaming: ${errorMessage(err)}`));
          else resolve({ duplicate: false });
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  async subscribe(subject: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<TransportSubscription> {
    const subscriptionOptions = this.stan
      .subscriptionOptions()
      .setDeliverAllAvailable()
      .setManualAckMode(true)
      .setAckWait(stanAckWaitMs(options.ackWaitMs))
      .setDurableName(options.queueGroup)
      .setMaxInFlight(options.maxInFlight);
    const subscription = this.stan.subscribe(subject, options.queueGroup, subscriptionOptions);
    const deliveries = new Map<number, number>();
    const queue = new KeyedConcurrency(options.concurrency ?? 1);
    // Admissions are chained so deliveries are admitted in arrival order, which keeps each key's order.
    let admission = Promise.resolve();
    subscription.on('message', (m: StanMessage) => {
      const msg = new StreamingEventMessage(m, deliveries);
      const key = deliveryOrderingKey(options, msg, (fields, message) => this.logger.warn({ subject, ...fields }, message));
      const handle = (): Promise<void> =>
        handler(msg).catch((err: unknown) => {
          // Not acknowledged: it comes back after the ack wait.
          this.logger.error({ subject, seq: msg.sequence, err: errorMessage(err) }, 'Delivery handler threw');
        });
      admission = admission.then(() => queue.admit(key, handle));
    });
    subscription.on('error', (err: unknown) => this.logger.error({ subject, err: errorMessage(err) }, 'Subscription error'));
    await new Promise<void>((resolve, reject) => {
      subscription.once('ready', () => resolve());
      subscription.once('error', (err: unknown) => reject(new Error(`Subscribe to "${subject}" failed: ${errorMessage(err)}`)));
      subscription.once('timeout', (err: unknown) => reject(new Error(`Subscribe to "${subject}" timed out: ${errorMessage(err)}`)));
    });
    return {
      subject,
      queueGroup: options.queueGroup,
      // close() keeps the durable queue group on the server (unsubscribe would remove it).
      close: async () => subscription.close(),
    };
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.connected && this.closedSeen) return resolve();
      const timer = setTimeout(resolve, 5_000);
      this.stan.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.stan.close();
    });
    return this.closing;
  }

  private setStatus(status: ConnectionStatus, connected: boolean): void {
    this.connected = connected;
    if (status === 'closed') this.closedSeen = true;
    this.status.emit(status, (err) => this.logger.error({ err: errorMessage(err) }, 'Connection status listener threw'));
  }
}
