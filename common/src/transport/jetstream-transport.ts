import { connect, type NatsConnection, type Subscription as CoreSubscription } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  type PubAck,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { JetStreamDeadLetters } from './jetstream-dead-letters';
import { consumerConfig, ensureConsumer, ensureStream, NANOS_PER_MS, whileStarting } from './jetstream-setup';
import { decodeBody, isTransient, JetStreamEventMessage, MSG_ID_HEADER, subjectMatches, traceHeaders } from './jetstream-message';
import { ALL_SUBJECTS } from '../contracts/subjects';
import { logger as defaultLogger } from '../core/logger';
import { DEAD_LETTER_SUBJECT_PREFIX, DEFAULT_DEAD_LETTER_STREAM_NAME, DEFAULT_STREAM_NAME, durableName } from './names';
import { deliveryOrderingKey, KeyedConcurrency } from './keyed-concurrency';
import { errorMessage, Signal, sleep, StatusListeners } from './status';
import { jetStreamAuth } from './credentials';
import { natsServers } from './broker-config';
import { consumerPendingMessages } from './consumer-pending';
import type {
  ConnectionStatus,
  DeadLetterRecord,
  DeadLetterStore,
  DeliveryHandler,
  PublishAck,
  PublishOptions,
  SubscribeOptions,
  Transport,
  TransportConfig,
  TransportOptions,
  TransportSubscription,
} from './transport';

const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
/** JetStream API replies slower than this count as a failed attempt (the publish is then retried). */
const ATTEMPT_TIMEOUT_MS = 5_000;
/**
 * How long each pull request of `consume()` waits at the consumer's leader (nats.js: idle heartbeat
 * half of it, and its retry of a failed consumer check after a reconnect waits this long). A pull
 * request lives only on the leader: when the leader dies, nothing arrives until nats.js notices two
 * missed heartbeats and pulls again from the new one. nats.js's 30 s default stalled a durable for
 * 25-30 s after its leader was killed; 5 s costs an idle durable one pull request per 5 s.
 */
const PULL_EXPIRES_MS = 5_000;
/** Redelivery delay when a handler throws without settling the message. */
const HANDLER_CRASH_NAK_MS = 1_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ConsumerLoop {
  subject: string;
  durable: string;
  options: SubscribeOptions;
  handler: DeliveryHandler;
  closed: boolean;
  /** Set when the iterator was closed on purpose to start a fresh `consume()` at once. */
  restart: boolean;
  /** Fired when the loop is asked to stop, cutting its back-off short. */
  stopped: Signal;
  messages: ConsumerMessages | undefined;
  done: Promise<void>;
  advisories: CoreSubscription;
}

/**
 * JetStream transport: one file-backed stream over the event subjects, one durable pull consumer per
 * (queue group, subject) shared by every replica, a `DEAD_LETTERS` stream for given-up events.
 */
export class JetStreamTransport implements Transport {
  readonly kind = 'jetstream';
  readonly streamName: string;
  readonly deadLetterStreamName: string;
  readonly js: JetStreamClient;
  readonly deadLetters: DeadLetterStore;
  private readonly streamSubjects: string[];
  private readonly captured = new Map<string, boolean>();
  private readonly duplicateWindowMs: number;
  private readonly publishTimeoutMs: number;
  /** `num_replicas` of the streams and durables (NATS_STREAM_REPLICAS). */
  private readonly replicas: number;
  private readonly logger: Logger;
  private readonly status = new StatusListeners();
  private readonly loops = new Set<ConsumerLoop>();
  private connected = true;
  /** Fired at every disconnect, reconnect and close. */
  private readonly connectionChange = new Signal();
  /** Rejecters of publishes awaiting their acknowledgement, failed at once when the connection drops. */
  private readonly awaitingAck = new Set<(err: Error) => void>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    options: TransportOptions,
    replicas: number,
  ) {
    this.replicas = replicas;
    this.logger = (options.logger ?? defaultLogger).child({ component: 'jetstream' });
    this.streamName = options.stream?.name ?? DEFAULT_STREAM_NAME;
    this.streamSubjects = [...(options.stream?.subjects ?? ALL_SUBJECTS)];
    this.duplicateWindowMs = options.stream?.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
    this.deadLetterStreamName = options.deadLetterStreamName ?? DEFAULT_DEAD_LETTER_STREAM_NAME;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.js = jetstream(nc, { timeout: ATTEMPT_TIMEOUT_MS });
    this.deadLetters = new JetStreamDeadLetters(this);
    void this.watchConnection();
  }

  /** Connects (reconnecting forever afterwards) and ensures the event and dead-letter streams. */
  static async connect(config: TransportConfig, options: TransportOptions = {}): Promise<JetStreamTransport> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const auth = jetStreamAuth(config);
    // Several servers (a cluster): the client connects to one and fails over to the others.
    const servers = natsServers(config.NATS_URL);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers,
        name: config.NATS_CLIENT_ID || undefined,
        timeout: connectTimeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
        // Otherwise every request (each JetStream publish) builds two errors up front for their stack
        // traces, a few per cent of a service's CPU; a failure still says what timed out.
        noAsyncTraces: true,
        ...auth,
      });
    } catch (err) {
      throw new Error(`NATS server not reachable at ${config.NATS_URL} within ${connectTimeoutMs} ms: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const logger = (options.logger ?? defaultLogger).child({ component: 'jetstream' });
    const retry = whileStarting(Date.now() + (options.jetStreamReadyTimeoutMs ?? 30_000), logger);
    let transport: JetStreamTransport | undefined;
    try {
      const jsm = await retry('reach the JetStream API', () => jetstreamManager(nc, { timeout: ATTEMPT_TIMEOUT_MS }));
      transport = new JetStreamTransport(nc, jsm, options, config.NATS_STREAM_REPLICAS ?? 1);
      const created = transport;
      await retry('create the streams', () => created.ensureStreams());
      return transport;
    } catch (err) {
      await (transport ? transport.close() : nc.close());
      throw new Error(`JetStream is not available at ${config.NATS_URL}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Read-only: what the durable still has to get acknowledged (the `consumer_pending_messages` gauge). */
  pendingMessages(durable: string): Promise<number> {
    return consumerPendingMessages(this.jsm, this.streamName, durable);
  }

  isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.status.add(listener);
  }

  async publish(subject: string, data: unknown, options: PublishOptions = {}): Promise<PublishAck> {
    let captured = this.captured.get(subject);
    if (captured === undefined) {
      captured = this.streamSubjects.some((pattern) => subjectMatches(pattern, subject));
      this.captured.set(subject, captured);
    }
    if (!captured) {
      throw new Error(
        `Cannot publish on "${subject}": stream ${this.streamName} does not capture it (subjects: ${this.streamSubjects.join(', ')})`,
      );
    }
    return this.publishBody(subject, encoder.encode(JSON.stringify(data)), options);
  }

  /**
   * Publishes and retries transient failures (broker down or restarting) with the same message id
   * until the broker acknowledges or `timeoutMs` passes. Retrying is safe: the broker drops a second
   * copy with the same `Nats-Msg-Id` inside its duplicate window.
   */
  async publishBody(
    subject: string,
    body: Uint8Array,
    options: PublishOptions & { expect?: JetStreamPublishOptions['expect'] } = {},
  ): Promise<PublishAck> {
    const deadline = Date.now() + (options.timeoutMs ?? this.publishTimeoutMs);
    const publishOptions: Partial<JetStreamPublishOptions> = {};
    if (options.msgId) publishOptions.msgID = options.msgId;
    if (options.expect) publishOptions.expect = options.expect;
    if (options.traceContext) publishOptions.headers = traceHeaders(options.traceContext);
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.nc.isClosed()) throw new Error('the NATS connection is closed');
        // While disconnected, wait for the connection rather than send into the reconnect buffer.
        if (!this.connected) await this.connectionChange.wait(Math.max(0, deadline - Date.now()));
        if (!this.connected) throw new Error('not connected to NATS');
        const timeout = Math.min(ATTEMPT_TIMEOUT_MS, Math.max(1, deadline - Date.now()));
        // A request in flight when the connection drops gets no reply: `connectionChanged` fails it at once.
        const ack = await new Promise<PubAck>((resolve, reject) => {
          this.awaitingAck.add(reject);
          this.js
            .publish(subject, body, { ...publishOptions, timeout })
            .then(resolve, reject)
            .finally(() => this.awaitingAck.delete(reject));
        });
        return { duplicate: ack.duplicate, stream: ack.stream, seq: ack.seq };
      } catch (err) {
        const final = this.nc.isClosed() || !isTransient(err) || Date.now() >= deadline;
        if (final) {
          throw new Error(`Publish on "${subject}" was not acknowledged by the broker: ${errorMessage(err)}`, { cause: err });
        }
        this.logger.warn({ subject, msgId: options.msgId, attempt, err: errorMessage(err) }, 'Publish failed; retrying');
        await sleep(Math.min(50 * 2 ** Math.min(attempt - 1, 5), 1_000, Math.max(0, deadline - Date.now())));
      }
    }
  }

  async subscribe(subject: string, options: SubscribeOptions, handler: DeliveryHandler): Promise<TransportSubscription> {
    const durable = durableName(options.queueGroup, subject);
    await ensureConsumer(this.jsm, this.streamName, durable, consumerConfig(subject, durable, options, this.replicas));
    // A queue subscription: one replica of the group records each advisory.
    const advisories = this.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${this.streamName}.${durable}`, {
      queue: durable,
      callback: (err, m) => {
        if (err) return;
        void this.onMaxDeliveries(m.data, options.queueGroup, durable);
      },
    });
    const loop: ConsumerLoop = {
      subject,
      durable,
      options,
      handler,
      closed: false,
      restart: false,
      stopped: new Signal(),
      messages: undefined,
      done: Promise.resolve(),
      advisories,
    };
    loop.done = this.runLoop(loop);
    this.loops.add(loop);
    return {
      subject,
      queueGroup: options.queueGroup,
      close: () => this.stopLoop(loop),
    };
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.loops].map((loop) => this.stopLoop(loop)));
      if (!this.nc.isClosed()) {
        await this.nc.drain().catch((err: unknown) => {
          this.logger.warn({ err: errorMessage(err) }, 'Drain failed; closing');
          return this.nc.close();
        });
      }
    })();
    return this.closing;
  }

  /** Creates the streams, or widens their subjects and sets their duplicate window and replicas when they exist. */
  async ensureStreams(): Promise<void> {
    await ensureStream(this.jsm, {
      name: this.streamName,
      subjects: this.streamSubjects,
      storage: StorageType.File,
      duplicate_window: this.duplicateWindowMs * NANOS_PER_MS,
      num_replicas: this.replicas,
    });
    await ensureStream(this.jsm, {
      name: this.deadLetterStreamName,
      subjects: [`${DEAD_LETTER_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      num_replicas: this.replicas,
    });
  }

  /**
   * Runs `consume()` for one durable until closed. If the iterator ends or fails (consumer deleted,
   * broker store lost), it ensures the stream and consumer again and starts over.
   */
  private async runLoop(loop: ConsumerLoop): Promise<void> {
    let failures = 0;
    while (!loop.closed) {
      try {
        const consumer = await this.js.consumers.get(this.streamName, loop.durable);
        const messages = await consumer.consume({ max_messages: loop.options.maxInFlight, expires: PULL_EXPIRES_MS });
        loop.messages = messages;
        if (loop.closed) {
          await messages.close();
          break;
        }
        void this.watchConsumer(loop, messages);
        const queue = new KeyedConcurrency(loop.options.concurrency ?? 1);
        try {
          for await (const m of messages) {
            failures = 0;
            const msg = new JetStreamEventMessage(m);
            const key = deliveryOrderingKey(loop.options, msg, (fields, message) =>
              this.logger.warn({ durable: loop.durable, ...fields }, message),
            );
            await queue.admit(key, () => this.deliver(loop, msg));
          }
        } finally {
          // Deliveries in flight finish before the loop stops or starts a fresh consume().
          await queue.idle();
        }
      } catch (err) {
        this.logger.warn({ durable: loop.durable, err: errorMessage(err) }, 'Consumer loop failed');
      }
      loop.messages = undefined;
      if (loop.closed) break;
      if (loop.restart) {
        loop.restart = false;
        continue;
      }
      failures++;
      await loop.stopped.wait(Math.min(250 * 2 ** Math.min(failures, 4), 4_000));
      if (loop.closed) break;
      await this.ensureStreams()
        .then(() => this.ensureDurable(loop))
        .catch((err: unknown) => this.logger.warn({ durable: loop.durable, err: errorMessage(err) }, 'Cannot ensure consumer yet'));
    }
  }

  /**
   * When the broker reports the consumer or stream missing (deleted, or the broker lost its store),
   * re-creates them and restarts `consume()`: the old iterator may otherwise sit idle until its
   * heartbeat check gives up. When heartbeats stop (the consumer's leader died or moved), starts a
   * fresh `consume()` at once: nats.js would check the consumer and, if the new leader is not elected
   * yet, wait a whole pull expiry before trying again.
   */
  private async watchConsumer(loop: ConsumerLoop, messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (loop.closed) return;
      if (status.type === 'heartbeats_missed') {
        this.logger.warn({ durable: loop.durable, missed: status.count }, 'No heartbeat from the consumer leader; pulling afresh');
        loop.restart = true;
        await messages.close().catch(() => undefined);
        return;
      }
      if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        this.logger.warn({ durable: loop.durable, status: status.type }, 'Consumer missing; re-creating it');
        try {
          await this.ensureStreams();
          await this.ensureDurable(loop);
          loop.restart = true;
          await messages.close();
          return;
        } catch (err) {
          this.logger.warn({ durable: loop.durable, err: errorMessage(err) }, 'Cannot re-create consumer yet');
        }
      }
    }
  }

  private ensureDurable(loop: ConsumerLoop): Promise<void> {
    return ensureConsumer(this.jsm, this.streamName, loop.durable, consumerConfig(loop.subject, loop.durable, loop.options, this.replicas));
  }

  private async deliver(loop: ConsumerLoop, msg: JetStreamEventMessage): Promise<void> {
    try {
      await loop.handler(msg);
    } catch (err) {
      // Handlers are expected to settle or leave the message; this is the safety net.
      this.logger.error({ durable: loop.durable, seq: msg.sequence, err: errorMessage(err) }, 'Delivery handler threw');
      if (!msg.settlement) msg.nak(HANDLER_CRASH_NAK_MS);
    }
  }

  private async stopLoop(loop: ConsumerLoop): Promise<void> {
    if (!loop.closed) {
      loop.closed = true;
      loop.stopped.fire();
      loop.advisories.unsubscribe();
      await loop.messages?.close().catch(() => undefined);
    }
    await loop.done;
    this.loops.delete(loop);
  }

  /** The broker gave up on a message (last delivery not acknowledged in time): record it from the stream. */
  private async onMaxDeliveries(body: Uint8Array, queueGroup: string, consumer: string): Promise<void> {
    try {
      const advisory = JSON.parse(decoder.decode(body)) as { stream_seq?: number; deliveries?: number };
      const seq = Number(advisory.stream_seq);
      const deliveries = Number(advisory.deliveries);
      const stored = await this.jsm.streams.getMessage(this.streamName, { seq });
      if (!stored) throw new Error(`message ${seq} is no longer in stream ${this.streamName}`);
      const { text, data } = decodeBody(stored.data);
      const entry: DeadLetterRecord = {
        subject: stored.subject,
        data,
        body: text,
        msgId: stored.header?.get(MSG_ID_HEADER) || undefined,
        queueGroup,
        consumer,
        streamSequence: seq,
        error: `not acknowledged after ${deliveries} deliveries: the last one timed out (no ack within ack wait, or the process stopped)`,
        deliveryCount: deliveries,
        source: 'advisory',
      };
      if (await this.deadLetters.record(entry)) {
        this.logger.error(
          { deadLetter: { ...entry, body: undefined } },
          `Event ${entry.msgId ?? `${entry.subject}#${seq}`} dead-lettered for ${queueGroup}: ${entry.error}`,
        );
      }
    } catch (err) {
      this.logger.error({ consumer, err: errorMessage(err) }, 'Could not record a max-deliveries advisory as a dead letter');
    }
  }

  private connectionChanged(connected: boolean): void {
    this.connected = connected;
    if (!connected) {
      const dropped = new Error('the connection dropped before the broker acknowledged');
      for (const reject of [...this.awaitingAck]) reject(dropped);
      this.awaitingAck.clear();
    }
    this.connectionChange.fire();
  }

  private async watchConnection(): Promise<void> {
    void this.nc.closed().then(() => {
      this.connectionChanged(false);
      this.emit('closed');
    });
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.connectionChanged(false);
        this.logger.warn('Disconnected from NATS; reconnecting');
        this.emit('disconnected');
      } else if (s.type === 'reconnect') {
        this.connectionChanged(true);
        this.logger.info('Reconnected to NATS');
        // The broker may have come back without its store: make sure the streams exist again.
        await this.ensureStreams().catch((err: unknown) =>
          this.logger.warn({ err: errorMessage(err) }, 'Cannot ensure streams after reconnect'),
        );
        this.emit('reconnected');
      }
    }
  }

  private emit(status: ConnectionStatus): void {
    this.status.emit(status, (err) => this.logger.error({ err: errorMessage(err) }, 'Connection status listener threw'));
  }
}
