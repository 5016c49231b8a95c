import { connect, type NatsConnection, type Subscription as CoreSubscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  type JsMsg,
  type PubAck,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { SettlingMessage } from './event-message';
import { ALL_SUBJECTS } from '../contracts/subjects';
import { logger as defaultLogger } from '../core/logger';
import { DEAD_LETTER_SUBJECT_PREFIX, DEFAULT_DEAD_LETTER_STREAM_NAME, DEFAULT_STREAM_NAME, deadLetterSubject, durableName } from './names';
import { deliveryOrderingKey, KeyedConcurrency } from './keyed-concurrency';
import { errorMessage, Signal, sleep, StatusListeners } from './status';
import type {
  ConnectionStatus,
  DeadLetter,
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

const MSG_ID_HEADER = 'Nats-Msg-Id';
const NANOS_PER_MS = 1_000_000;
const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
/** JetStream API replies slower than this count as a failed attempt (the publish is then retried). */
const ATTEMPT_TIMEOUT_MS = 5_000;
/** Redelivery delay when a handler throws without settling the message. */
const HANDLER_CRASH_NAK_MS = 1_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** NATS subject matching with `*` (one token) and `>` (the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** Errors worth retrying: the broker is away, restarting, or slow. A JetStream API refusal is final. */
function isTransient(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return err.code === 503;
  return true;
}

function decodeBody(body: Uint8Array): { text: string; data: unknown } {
  const text = decoder.decode(body);
  try {
    return { text, data: JSON.parse(text) as unknown };
  } catch {
    return { text, data: text };
  }
}

class JetStreamEventMessage extends SettlingMessage {
  constructor(private readonly msg: JsMsg) {
    super();
  }

  // Read lazily: the delivery info and the headers are parsed on first access.
  get subject(): string {
    return this.msg.subject;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get msgId(): string | undefined {
    return this.msg.headers?.get(MSG_ID_HEADER) || undefined;
  }

  get sequence(): number {
    return this.msg.seq;
  }

  get rawData(): Uint8Array {
    return this.msg.data;
  }

  protected doAck(): void {
    this.msg.ack();
  }

  protected doNak(delayMs?: number): void {
    this.msg.nak(delayMs);
  }

  protected doTerm(reason?: string): void {
    this.msg.term(reason);
  }
}

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
  ) {
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
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: config.NATS_URL,
        name: config.NATS_CLIENT_ID || undefined,
        timeout: connectTimeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
      });
    } catch (err) {
      throw new Error(`NATS server not reachable at ${config.NATS_URL} within ${connectTimeoutMs} ms: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: ATTEMPT_TIMEOUT_MS });
      const transport = new JetStreamTransport(nc, jsm, options);
      await transport.ensureStreams();
      return transport;
    } catch (err) {
      await nc.close();
      throw new Error(`JetStream is not available at ${config.NATS_URL}: ${errorMessage(err)}`, { cause: err });
    }
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
    await this.ensureConsumer(subject, durable, options);
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

  /** Creates the streams, or widens their subjects / duplicate window when they exist. */
  async ensureStreams(): Promise<void> {
    await this.ensureStream({
      name: this.streamName,
      subjects: this.streamSubjects,
      storage: StorageType.File,
      duplicate_window: this.duplicateWindowMs * NANOS_PER_MS,
    });
    await this.ensureStream({
      name: this.deadLetterStreamName,
      subjects: [`${DEAD_LETTER_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
    });
  }

  private async ensureStream(wanted: Partial<StreamConfig> & { name: string; subjects: string[] }): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.jsm.streams.info(wanted.name).catch((err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
        throw err;
      });
      try {
        if (!existing) {
          await this.jsm.streams.add(wanted);
          return;
        }
        const subjects = [...new Set([...(existing.config.subjects ?? []), ...wanted.subjects])];
        const sameSubjects = subjects.length === (existing.config.subjects ?? []).length;
        const sameWindow = wanted.duplicate_window === undefined || existing.config.duplicate_window === wanted.duplicate_window;
        if (sameSubjects && sameWindow) return;
        await this.jsm.streams.update(wanted.name, {
          ...existing.config,
          subjects,
          ...(wanted.duplicate_window === undefined ? {} : { duplicate_window: wanted.duplicate_window }),
        });
        return;
      } catch (err) {
        // Another replica created it between our info and add: look again.
        if (attempt === 2) throw err;
      }
    }
  }

  private consumerConfig(subject: string, durable: string, options: SubscribeOptions): Partial<ConsumerConfig> {
    return {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subject,
      ack_wait: options.ackWaitMs * NANOS_PER_MS,
      max_deliver: options.maxDeliver,
    };
  }

  /** Creates the durable, or updates its ack wait / max deliver to what this replica asks for. */
  private async ensureConsumer(subject: string, durable: string, options: SubscribeOptions): Promise<void> {
    const wanted = this.consumerConfig(subject, durable, options);
    const existing = await this.jsm.consumers.info(this.streamName, durable).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw err;
    });
    if (!existing) {
      try {
        await this.jsm.consumers.add(this.streamName, wanted);
        return;
      } catch (err) {
        // A replica created it concurrently; fall through to compare and update.
        const again = await this.jsm.consumers.info(this.streamName, durable).catch(() => undefined);
        if (!again) throw err;
        return this.updateConsumerIfNeeded(durable, again.config, wanted);
      }
    }
    return this.updateConsumerIfNeeded(durable, existing.config, wanted);
  }

  private async updateConsumerIfNeeded(durable: string, current: ConsumerConfig, wanted: Partial<ConsumerConfig>): Promise<void> {
    if (current.ack_wait === wanted.ack_wait && current.max_deliver === wanted.max_deliver) return;
    await this.jsm.consumers.update(this.streamName, durable, { ack_wait: wanted.ack_wait, max_deliver: wanted.max_deliver });
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
        const messages = await consumer.consume({ max_messages: loop.options.maxInFlight });
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
        .then(() => this.ensureConsumer(loop.subject, loop.durable, loop.options))
        .catch((err: unknown) => this.logger.warn({ durable: loop.durable, err: errorMessage(err) }, 'Cannot ensure consumer yet'));
    }
  }

  /**
   * When the broker reports the consumer or stream missing (deleted, or the broker lost its store),
   * re-creates them and restarts `consume()`: the old iterator may otherwise sit idle until its
   * heartbeat check gives up.
   */
  private async watchConsumer(loop: ConsumerLoop, messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (loop.closed) return;
      if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        this.logger.warn({ durable: loop.durable, status: status.type }, 'Consumer missing; re-creating it');
        try {
          await this.ensureStreams();
          await this.ensureConsumer(loop.subject, loop.durable, loop.options);
          loop.restart = true;
          await messages.close();
          return;
        } catch (err) {
          this.logger.warn({ durable: loop.durable, err: errorMessage(err) }, 'Cannot re-create consumer yet');
        }
      }
    }
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

/** Dead letters as messages of the `DEAD_LETTERS` stream, one subject per (consumer, stream sequence). */
class JetStreamDeadLetters implements DeadLetterStore {
  constructor(private readonly transport: JetStreamTransport) {}

  async record(entry: DeadLetterRecord): Promise<boolean> {
    const stored: Omit<DeadLetter, 'id'> = { ...entry, time: new Date().toISOString() };
    try {
      await this.transport.publishBody(
        deadLetterSubject(entry.consumer, entry.streamSequence),
        encoder.encode(JSON.stringify(stored)),
        // Only if nothing is stored on that subject yet: the listener and the advisory may both report it.
        { expect: { lastSubjectSequence: 0 } },
      );
      return true;
    } catch (err) {
      const cause = err instanceof Error ? err.cause : undefined;
      if (cause instanceof JetStreamApiError && cause.code === JetStreamApiCodes.StreamWrongLastSequence) return false;
      throw err;
    }
  }

  async list(): Promise<DeadLetter[]> {
    const { jsm, deadLetterStreamName } = this.transport;
    const info = await jsm.streams.info(deadLetterStreamName);
    const letters: DeadLetter[] = [];
    if (info.state.messages === 0) return letters;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(deadLetterStreamName, { seq }).catch(() => null);
      if (stored) letters.push({ ...stored.json<Omit<DeadLetter, 'id'>>(), id: String(seq) });
    }
    return letters;
  }

  async replay(id: string): Promise<PublishAck> {
    const { jsm, deadLetterStreamName } = this.transport;
    const seq = Number(id);
    const stored =
      Number.isSafeInteger(seq) && seq > 0 ? await jsm.streams.getMessage(deadLetterStreamName, { seq }).catch(() => null) : null;
    if (!stored) throw new Error(`No dead letter with id ${id}`);
    const letter = stored.json<Omit<DeadLetter, 'id'>>();
    const original = letter.msgId ?? `${letter.subject}#${letter.streamSequence}`;
    const ack = await this.transport.publishBody(letter.subject, encoder.encode(letter.body), {
      msgId: `${original}:replay:${id}`,
    });
    await jsm.streams.deleteMessage(deadLetterStreamName, seq, false);
    return ack;
  }
}
