import type { Logger } from 'pino';
import { logger as defaultLogger } from '../core/logger';
import { durableName } from '../transport/names';
import { replayTarget } from '../transport/dead-letters';
import { errorMessage } from '../transport/status';
import type { Transport, TransportSubscription } from '../transport/transport';
import type { EventMessage } from '../transport/event-message';
import type { Event } from '../contracts/types';
import { parseEvent } from '../contracts/schemas';
import { tracingHooks } from '../tracing/trace-hooks';
import type { ConsumedOutcome, ServiceMetrics } from '../metrics';
import { pendingMessagesReader } from '../transport/consumer-pending';

/**
 * What the domain says of an event, which the base listener maps to the broker:
 * - `applied`: its effects committed; `duplicate`: it was applied before (a redelivery or an older
 *   version). Both are acknowledged.
 * - `early`: a newer version than the next one; `unknown`: it refers to an aggregate this service does
 *   not know yet. Both come back after a growing delay (nak), and become a dead letter on the last
 *   delivery, so an event whose predecessor never arrives is not lost silently.
 * - `invalid`: it fails its subject's schema (or is not JSON). The base listener finds this itself
 *   before `onMessage`: the event is dead-lettered with the reason on its first delivery and
 *   terminated, never applied.
 */
export type EventOutcome = 'applied' | 'duplicate' | 'early' | 'unknown' | 'invalid';

type Decoded<D> = { ok: true; data: D } | { ok: false; reason: string };

export interface ListenerOptions {
  logger?: Logger;
  /**
   * Counts every delivery by outcome (`events_consumed_total`) and every dead letter, and reports the
   * durable's pending messages at scrape time where the transport can tell (JetStream).
   */
  metrics?: ServiceMetrics;
}

const decoder = new TextDecoder();

/**
 * Listens to one subject as a member of a queue group. Subclasses name the subject and queue group and
 * implement `onMessage`:
 *
 *   class OrderCreatedListener extends Listener<OrderCreatedEvent> {
 *     readonly subject = Subjects.OrderCreated;
 *     readonly queueGroupName = 'tickets-service';
 *     async onMessage(data: OrderCreatedEvent['data'], msg: EventMessage) { ...; msg.ack(); }
 *   }
 *   await new OrderCreatedListener(natsWrapper.client).listen();
 *
 * - `msg.ack()`: done. Leaving it unacknowledged (returning without ack) makes it come back after `ackWait`.
 * - Throwing: not acknowledged, logged, redelivered after `retryDelayMs`.
 * - On the `maxDeliver`-th delivery, a throw or a return without ack records a dead letter (where the
 *   transport keeps them) and terminates the message, so nothing is dropped silently.
 */
export abstract class Listener<E extends Event> {
  abstract readonly subject: E['subject'];
  abstract readonly queueGroupName: string;
  /** Either settle `msg` yourself (the course's `msg.ack()`), or return an outcome for the base class to map. */
  abstract onMessage(data: E['data'], msg: EventMessage): void | EventOutcome | Promise<void | EventOutcome>;

  /** Milliseconds before an unacknowledged delivery comes back (NATS Streaming rounds up to whole seconds). */
  protected ackWait = 5_000;
  /** Deliveries before the event becomes a dead letter (JetStream). */
  protected maxDeliver = 10;
  /** Redelivery delay after `onMessage` throws (JetStream; NATS Streaming waits for the ack wait). */
  protected retryDelayMs = 1_000;
  /** Deliveries fetched ahead of `onMessage`; each must be handled within `ackWait`. */
  protected maxInFlight = 10;
  /**
   * `onMessage` calls at once (default 1, in stream order). Above 1, events with the same
   * `orderingKey` still run one at a time in arrival order.
   */
  protected concurrency = 1;
  protected readonly logger: Logger;
  private readonly metrics: ServiceMetrics | undefined;
  private subscription: TransportSubscription | undefined;
  private unobserveConsumer: (() => void) | undefined;

  constructor(
    protected readonly client: Transport,
    options: ListenerOptions = {},
  ) {
    this.logger = options.logger ?? defaultLogger;
    this.metrics = options.metrics;
    this.metrics?.registerEventMetrics();
  }

  /** Joins the queue group and starts handling events (creating the durable consumer if needed). */
  async listen(): Promise<TransportSubscription> {
    if (this.subscription) return this.subscription;
    this.subscription = await this.client.subscribe(
      this.subject,
      {
        queueGroup: this.queueGroupName,
        ackWaitMs: this.ackWait,
        maxDeliver: this.maxDeliver,
        maxInFlight: Math.max(this.maxInFlight, this.concurrency),
        concurrency: this.concurrency,
        orderingKey: (msg) => {
          const decoded = this.decode(msg);
          return decoded.ok ? this.orderingKey(decoded.data) : undefined;
        },
      },
      (msg) => this.traced(msg),
    );
    this.observeConsumer();
    return this.subscription;
  }

  /** Stops handling; the queue group's durable subscription stays on the broker. */
  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.unobserveConsumer?.();
    this.unobserveConsumer = undefined;
    await subscription?.close();
  }

  private observeConsumer(): void {
    const read = this.metrics && pendingMessagesReader(this.client, durableName(this.queueGroupName, this.subject));
    if (!this.metrics || !read) return;
    this.unobserveConsumer = this.metrics.observeConsumer(durableName(this.queueGroupName, this.subject), read);
  }

  /** Redelivery delay of an early or unknown event: grows with each delivery, up to 2 s. */
  protected retryLaterDelayMs(deliveryCount: number): number {
    return Math.min(200 * deliveryCount, 2_000);
  }

  /** With `concurrency` above 1: what must not be handled concurrently (default: the data's `id`). */
  protected orderingKey(data: E['data']): string | undefined {
    return data.id;
  }

  /** The event's data (the message body is the JSON of `data` alone), checked against the subject's schema; throws when invalid. */
  parseMessage(msg: EventMessage): E['data'] {
    const decoded = this.decode(msg);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.data;
  }

  private decode(msg: EventMessage): Decoded<E['data']> {
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(msg.rawData));
    } catch (err) {
      return { ok: false, reason: `invalid event: the body is not JSON (${errorMessage(err)})` };
    }
    const parsed = parseEvent(this.subject, body);
    return parsed.ok ? { ok: true, data: parsed.data } : { ok: false, reason: `invalid event: ${parsed.error}` };
  }

  /** With tracing on, handles the delivery in a consumer span: a child of the publish span whose context the message carries. */
  private traced(msg: EventMessage): Promise<void> {
    const tracing = tracingHooks();
    if (!tracing) return this.handle(msg);
    const info = { subject: msg.subject, queueGroup: this.queueGroupName, msgId: msg.msgId, deliveryCount: msg.deliveryCount };
    return tracing.consume(info, msg.traceContext, () => this.handle(msg));
  }

  private async handle(msg: EventMessage): Promise<void> {
    const outcome = await this.handleDelivery(msg);
    this.metrics?.eventConsumed(this.subject, outcome);
  }

  private async handleDelivery(msg: EventMessage): Promise<ConsumedOutcome> {
    // A dead letter replayed for another queue group: this group handled the original already.
    const replayFor = replayTarget(msg.msgId);
    if (replayFor !== undefined && replayFor !== this.queueGroupName) {
      this.logger.debug({ subject: msg.subject, msgId: msg.msgId, queueGroup: this.queueGroupName }, 'Skipping a replay for another group');
      msg.ack();
      return 'duplicate';
    }
    const decoded = this.decode(msg);
    if (!decoded.ok) return this.refuse(msg, decoded.reason);
    let failure: string | undefined;
    let invalid: string | undefined;
    let outcome: void | EventOutcome = undefined;
    try {
      const data = decoded.data;
      outcome = await this.onMessage(data, msg);
      if (outcome === 'invalid') invalid = msg.settlement ? undefined : `invalid event: refused by ${this.queueGroupName}`;
      else if (outcome && !msg.settlement) failure = this.settle(msg, data, outcome);
      else if (!msg.settlement && this.isLastDelivery(msg)) failure = 'not acknowledged on its last delivery';
    } catch (err) {
      failure = errorMessage(err);
      this.logger.error(
        { subject: msg.subject, queueGroup: this.queueGroupName, msgId: msg.msgId, deliveryCount: msg.deliveryCount, err },
        `Listener failed on ${msg.subject}`,
      );
    }
    if (invalid !== undefined) return this.refuse(msg, invalid);
    if (failure === undefined || msg.settlement) return consumedOutcome(outcome, msg.settlement);
    if (this.isLastDelivery(msg) && (await this.deadLetter(msg, failure))) {
      msg.term(failure);
      return 'dead_letter';
    }
    msg.nak(this.retryDelayMs);
    return 'failed';
  }

  /**
   * An invalid event (outcome `invalid`) is never applied and would never become valid: dead-letter it
   * now, whatever its delivery count, and terminate it. Only when the dead letter cannot be recorded
   * yet does it come back (to be recorded, not applied). Without a dead-letter store (NATS
   * Streaming) it is logged and dropped.
   */
  private async refuse(msg: EventMessage, reason: string): Promise<'invalid'> {
    if (msg.settlement) return 'invalid';
    this.logger.error(
      { subject: msg.subject, queueGroup: this.queueGroupName, msgId: msg.msgId, deliveryCount: msg.deliveryCount, outcome: 'invalid' },
      `Refusing ${msg.subject}: ${reason}`,
    );
    if (this.client.deadLetters === undefined || (await this.deadLetter(msg, reason))) {
      msg.term(reason);
      return 'invalid';
    }
    msg.nak(this.retryDelayMs);
    return 'invalid';
  }

  /** Acks or naks for `outcome`; returns the dead-letter reason when an early or unknown event is out of deliveries. */
  private settle(msg: EventMessage, data: E['data'], outcome: Exclude<EventOutcome, 'invalid'>): string | undefined {
    if (outcome === 'applied' || outcome === 'duplicate') {
      msg.ack();
      return undefined;
    }

    const reason =
      outcome === 'early'
        ? `version ${data.version} of ${data.id} never followed version ${data.version - 1}`
        : `${msg.subject} ${data.id} refers to something this service never received`;
    if (this.isLastDelivery(msg)) return reason;
    this.logger.debug({ subject: msg.subject, msgId: msg.msgId, outcome, deliveryCount: msg.deliveryCount }, 'Event will come back');
    msg.nak(this.retryLaterDelayMs(msg.deliveryCount));
    return undefined;
  }

  private isLastDelivery(msg: EventMessage): boolean {
    return this.client.deadLetters !== undefined && msg.deliveryCount >= this.maxDeliver;
  }

  /** True once recorded (or recorded earlier); false when it could not be, so the broker's advisory path takes over. */
  private async deadLetter(msg: EventMessage, error: string): Promise<boolean> {
    const store = this.client.deadLetters;
    if (!store || msg.sequence === undefined) return false;
    const body = decoder.decode(msg.rawData);
    let data: unknown = body;
    try {
      data = JSON.parse(body);
    } catch {
      // kept as text
    }
    const entry = {
      subject: msg.subject,
      data,
      body,
      msgId: msg.msgId,
      queueGroup: this.queueGroupName,
      consumer: durableName(this.queueGroupName, this.subject),
      streamSequence: msg.sequence,
      error,
      deliveryCount: msg.deliveryCount,
      source: 'listener' as const,
    };
    try {
      // false: recorded before (by the broker's advisory path, or an earlier delivery), so not counted again.
      if (await store.record(entry)) this.metrics?.deadLettered();
      this.logger.error(
        { deadLetter: { ...entry, body: undefined } },
        `Event ${msg.msgId ?? msg.subject} dead-lettered for ${this.queueGroupName}: ${error}`,
      );
      return true;
    } catch (err) {
      this.logger.error({ subject: msg.subject, msgId: msg.msgId, err: errorMessage(err) }, 'Could not record a dead letter');
      return false;
    }
  }
}

/**
 * What a delivery the handling left as it is came to: the domain's outcome, or for a course-style
 * handler that settled the message itself, acknowledged = applied and anything else = failed.
 */
function consumedOutcome(outcome: void | EventOutcome, settlement: EventMessage['settlement']): ConsumedOutcome {
  if (outcome === 'applied' || outcome === 'duplicate') return outcome;
  if (outcome === 'early' || outcome === 'unknown') return 'early';
  return settlement === 'ack' ? 'applied' : 'failed';
}
