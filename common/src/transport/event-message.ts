import type { TraceContext } from '../tracing/trace-hooks';

/** How a handler settled a delivery; undefined while it has not. */
export type Settlement = 'ack' | 'nak' | 'term';

/**
 * One delivery of an event to a listener, whatever the transport. Settle it at most once: the
 * first of `ack`, `nak` or `term` wins and later calls are ignored.
 */
export interface EventMessage {
  /** The subject the event was published on, e.g. `ticket:created`. */
  readonly subject: string;
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  readonly deliveryCount: number;
  /** The publisher's message id (`subject:id:version` for events from `Publisher`), when the transport carries it. */
  readonly msgId: string | undefined;
  /** The broker's sequence number for the event (stream or channel sequence). */
  readonly sequence: number | undefined;
  /** The body as published: the UTF-8 JSON of the event's data. */
  readonly rawData: Uint8Array;
  /** What the handler has done with this delivery so far. */
  readonly settlement: Settlement | undefined;
  /** The publish span's W3C trace context, when the publisher traced it (JetStream headers, NATS Streaming envelope). */
  readonly traceContext?: TraceContext;
  /** Processed: the broker will not deliver it to this queue group again. */
  ack(): void;
  /**
   * Try later: redeliver after `delayMs` (JetStream), or after the ack wait when the transport cannot
   * delay (NATS Streaming, where this only leaves the message unacknowledged).
   */
  nak(delayMs?: number): void;
  /** Never redeliver (JetStream `term`; NATS Streaming has no such thing and acknowledges instead). */
  term(reason?: string): void;
}

/** Tracks the first settlement so ack/nak/term are idempotent; transports extend it. */
export abstract class SettlingMessage implements EventMessage {
  abstract readonly subject: string;
  abstract readonly deliveryCount: number;
  abstract readonly msgId: string | undefined;
  abstract readonly sequence: number | undefined;
  abstract readonly rawData: Uint8Array;
  private settled: Settlement | undefined;

  get settlement(): Settlement | undefined {
    return this.settled;
  }

  ack(): void {
    if (this.settle('ack')) this.doAck();
  }

  nak(delayMs?: number): void {
    if (this.settle('nak')) this.doNak(delayMs);
  }

  term(reason?: string): void {
    if (this.settle('term')) this.doTerm(reason);
  }

  protected abstract doAck(): void;
  protected abstract doNak(delayMs?: number): void;
  protected abstract doTerm(reason?: string): void;

  private settle(how: Settlement): boolean {
    if (this.settled) return false;
    this.settled = how;
    return true;
  }
}
