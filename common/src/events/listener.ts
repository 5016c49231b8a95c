import type { Logger } from 'pino';
import { logger as defaultLogger } from '../core/logger';
import { durableName } from '../transport/names';
import { errorMessage } from '../transport/status';
import type { Transport, TransportSubscription } from '../transport/transport';
import type { EventMessage } from '../transport/event-message';
import type { Event } from '../contracts/types';

export interface ListenerOptions {
  logger?: Logger;
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
  abstract onMessage(data: E['data'], msg: EventMessage): void | Promise<void>;

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
  private subscription: TransportSubscription | undefined;

  constructor(
    protected readonly client: Transport,
    options: ListenerOptions = {},
  ) {
    this.logger = options.logger ?? defaultLogger;
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
        orderingKey: (msg) => this.orderingKey(this.parseMessage(msg)),
      },
      (msg) => this.handle(msg),
    );
    return this.subscription;
  }

  /** Stops handling; the queue group's durable subscription stays on the broker. */
  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  /** With `concurrency` above 1: what must not be handled concurrently (default: the data's `id`). */
  protected orderingKey(data: E['data']): string | undefined {
    return data.id;
  }

  /** The event's data: the message body is the JSON of `data` alone. */
  parseMessage(msg: EventMessage): E['data'] {
    return JSON.parse(decoder.decode(msg.rawData)) as E['data'];
  }

  private async handle(msg: EventMessage): Promise<void> {
    let failure: string | undefined;
    try {
      await this.onMessage(this.parseMessage(msg), msg);
      if (!msg.settlement && this.isLastDelivery(msg)) failure = 'not acknowledged on its last delivery';
    } catch (err) {
      failure = errorMessage(err);
      this.logger.error(
        { subject: msg.subject, queueGroup: this.queueGroupName, msgId: msg.msgId, deliveryCount: msg.deliveryCount, err },
        `Listener failed on ${msg.subject}`,
      );
    }
    if (failure === undefined || msg.settlement) return;
    if (this.isLastDelivery(msg) && (await this.deadLetter(msg, failure))) {
      msg.term(failure);
      return;
    }
    msg.nak(this.retryDelayMs);
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
      await store.record(entry);
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
