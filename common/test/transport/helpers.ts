import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { OrderStatus, Subjects, type EventData, type TicketingEvent } from '@ticketing/common/contracts';
import { type EventMessage, type Transport } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';

export function randomId(): string {
  return randomBytes(12).toString('hex');
}

/** A pino logger collecting its JSON lines. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export const quietLogger = pino({ level: 'silent' });

/** Typed, randomised data for each subject. */
export const eventFactories: { [S in Subjects]: (overrides?: Partial<EventData<S>>) => EventData<S> } = {
  [Subjects.TicketCreated]: (o = {}) => ({
    id: randomId(),
    version: 0,
    title: `concert ${randomId()}`,
    price: 20,
    userId: randomId(),
    ...o,
  }),
  [Subjects.TicketUpdated]: (o = {}) => ({
    id: randomId(),
    version: 1,
    title: `concert ${randomId()}`,
    price: 25,
    userId: randomId(),
    orderId: randomId(),
    ...o,
  }),
  [Subjects.OrderCreated]: (o = {}) => ({
    id: randomId(),
    version: 0,
    status: OrderStatus.Created,
    userId: randomId(),
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    ticket: { id: randomId(), price: 20, reservation: 1 },
    ...o,
  }),
  [Subjects.OrderCancelled]: (o = {}) => ({ id: randomId(), version: 1, ticket: { id: randomId(), reservation: 1 }, ...o }),
  [Subjects.PaymentCreated]: (o = {}) => ({ id: randomId(), version: 0, orderId: randomId(), stripeId: `pi_${randomId()}`, ...o }),
};

export interface Delivery<E extends TicketingEvent> {
  data: E['data'];
  msg: EventMessage;
}

export interface RecordingListenerOptions<E extends TicketingEvent> {
  /** What to do with each delivery; default: acknowledge. */
  onMessage?: (data: E['data'], msg: EventMessage) => void | Promise<void>;
  ackWait?: number;
  maxDeliver?: number;
  retryDelayMs?: number;
  maxInFlight?: number;
  concurrency?: number;
  logger?: Logger;
}

/** A listener for any subject that records every delivery it gets. */
export class RecordingListener<E extends TicketingEvent> extends Listener<E> {
  readonly deliveries: Delivery<E>[] = [];
  private readonly behaviour: (data: E['data'], msg: EventMessage) => void | Promise<void>;

  constructor(
    client: Transport,
    readonly subject: E['subject'],
    readonly queueGroupName: string,
    options: RecordingListenerOptions<E> = {},
  ) {
    super(client, { logger: options.logger ?? quietLogger });
    this.behaviour = options.onMessage ?? ((_data, msg) => msg.ack());
    if (options.ackWait !== undefined) this.ackWait = options.ackWait;
    if (options.maxDeliver !== undefined) this.maxDeliver = options.maxDeliver;
    if (options.retryDelayMs !== undefined) this.retryDelayMs = options.retryDelayMs;
    if (options.maxInFlight !== undefined) this.maxInFlight = options.maxInFlight;
    if (options.concurrency !== undefined) this.concurrency = options.concurrency;
  }

  async onMessage(data: E['data'], msg: EventMessage): Promise<void> {
    this.deliveries.push({ data, msg });
    await this.behaviour(data, msg);
  }
}
