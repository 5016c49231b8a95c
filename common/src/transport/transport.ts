import type { Logger } from 'pino';
import type { EventMessage } from './event-message';
import type { TraceContext } from '../tracing/trace-hooks';

export type TransportKind = 'jetstream' | 'streaming';

/** The environment a service passes to `createTransport` / `NatsWrapper.connect`. */
export interface TransportConfig {
  /** Which broker protocol to speak. Default `jetstream`. */
  NATS_TRANSPORT?: TransportKind;
  /** e.g. `nats://nats:4222`, or a cluster's servers comma-separated (`nats://nats-0:4222,nats://nats-1:4222`). */
  NATS_URL: string;
  /** JetStream: replicas of the streams and durable consumers (`num_replicas`, 1-5; a cluster needs at least as many nodes). Default 1. */
  NATS_STREAM_REPLICAS?: number;
  /** NATS Streaming only: the streaming server's cluster id (e.g. `ticketing`). */
  NATS_CLUSTER_ID?: string;
  /** NATS Streaming: this process's unique client id (required). JetStream: the connection name (optional). */
  NATS_CLIENT_ID?: string;
  /** The service's own NATS user (docs/security.md, "Broker"); empty or unset: connect without credentials. */
  NATS_USER?: string;
  /** That user's password. */
  NATS_PASSWORD?: string;
}

/** Tuning a service rarely changes; tests shorten the timeouts. */
export interface TransportOptions {
  logger?: Logger;
  /** How long the first connection may take before `connect` rejects. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /**
   * JetStream: how long `connect` keeps retrying, once connected, while JetStream is not ready (API
   * replies time out, or a stream's replicas cannot be placed yet). Default 30 000 ms.
   */
  jetStreamReadyTimeoutMs?: number;
  /** Pause between reconnect attempts after the broker goes away (attempts never stop). Default 500 ms. */
  reconnectTimeWaitMs?: number;
  /** How long `publish` keeps retrying while the broker is unreachable before it rejects. Default 30 000 ms. */
  publishTimeoutMs?: number;
  /** JetStream: the event stream. Default `TICKETING` over every `Subjects` value. */
  stream?: { name?: string; subjects?: readonly string[]; duplicateWindowMs?: number };
  /** JetStream: the dead-letter stream (subjects `dead-letter.>`). Default `DEAD_LETTERS`. */
  deadLetterStreamName?: string;
}

export interface PublishOptions {
  /** Broker-side de-duplication key (JetStream `Nats-Msg-Id`); NATS Streaming ignores it. */
  msgId?: string;
  /** Overrides `TransportOptions.publishTimeoutMs` for this call. */
  timeoutMs?: number;
  /** The publish span's context, sent with the message (JetStream headers; NATS Streaming: an envelope, docs/events.md). */
  traceContext?: TraceContext;
}

/** The broker's receipt: the event is stored. */
export interface PublishAck {
  /** True when the broker already held a message with this id (within its duplicate window). */
  duplicate: boolean;
  /** JetStream stream name. */
  stream?: string;
  /** JetStream stream sequence. */
  seq?: number;
}

export interface SubscribeOptions {
  /** Replicas sharing a queue group share the work: each event goes to one of them. */
  queueGroup: string;
  /** Unacknowledged deliveries come back after this long. */
  ackWaitMs: number;
  /** JetStream: deliveries before the broker gives up (the listener dead-letters the last one). */
  maxDeliver: number;
  /** Deliveries fetched ahead of the handler; keep it small against `ackWaitMs`. */
  maxInFlight: number;
  /** Deliveries handled at once (default 1: one at a time, in stream order). */
  concurrency?: number;
  /**
   * With `concurrency` above 1: deliveries with the same key are handled one at a time in arrival
   * order (e.g. the aggregate id, so one ticket's versions do not race); undefined runs unordered.
   */
  orderingKey?: (msg: EventMessage) => string | undefined;
}

/**
 * Called once per delivery: one at a time per subscription, or up to `concurrency` at once (one at a
 * time per `orderingKey`). Must settle or leave the message; should not throw.
 */
export type DeliveryHandler = (msg: EventMessage) => Promise<void>;

export interface TransportSubscription {
  readonly subject: string;
  readonly queueGroup: string;
  /** Stops receiving (the durable subscription stays on the broker). */
  close(): Promise<void>;
}

export type ConnectionStatus = 'connected' | 'disconnected' | 'reconnected' | 'closed';

/** A dead letter as recorded: an event a queue group gave up on. */
export interface DeadLetter {
  /** Use with `replayDeadLetter`. */
  id: string;
  /** The original event's subject and data. */
  subject: string;
  /** The body parsed as JSON (the raw text when it is not JSON). */
  data: unknown;
  /** The body exactly as published; replay sends it again. */
  body: string;
  msgId: string | undefined;
  queueGroup: string;
  /** The broker consumer (JetStream durable) that gave up. */
  consumer: string;
  /** The event's sequence in the event stream. */
  streamSequence: number;
  /** Why: the handler's error, or the broker's "max deliveries" notice. */
  error: string;
  deliveryCount: number;
  /** ISO 8601, when it was recorded. */
  time: string;
  /** `listener`: the last delivery failed in the handler; `advisory`: the broker gave up (e.g. the process died). */
  source: 'listener' | 'advisory';
}

export type DeadLetterRecord = Omit<DeadLetter, 'id' | 'time'>;

export interface DeadLetterStore {
  /** Stores a dead letter once per (consumer, stream sequence); false when it was already recorded. */
  record(entry: DeadLetterRecord): Promise<boolean>;
  list(): Promise<DeadLetter[]>;
  /** Re-publishes the original event (a new message id, so the broker does not drop it) and removes the dead letter. */
  replay(id: string): Promise<PublishAck>;
}

/** What publishers and listeners need from a broker connection. */
export interface Transport {
  readonly kind: string;
  /** Publishes the JSON of `data` on `subject` and resolves once the broker has stored it. */
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<PublishAck>;
  subscribe(subject: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<TransportSubscription>;
  /** Where given-up events go; undefined when the broker redelivers forever (NATS Streaming). */
  readonly deadLetters: DeadLetterStore | undefined;
  isConnected(): boolean;
  /** Calls `listener` on every connection status change; returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Drains and closes the connection. Idempotent. */
  close(): Promise<void>;
}
