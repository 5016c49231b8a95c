/**
 * The seam between the event code (outbox, transports, listeners) and OpenTelemetry. It imports no
 * OpenTelemetry module: `startTracing` installs the hooks only when tracing is on, so with tracing off
 * the event code's whole cost is one `tracingHooks()` call that returns undefined.
 */

/** The W3C trace context of a span, as carried by an outbox row and a message's headers. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** What a producer span says of the event it sends. */
export interface PublishSpanInfo {
  subject: string;
  msgId: string;
}

/** What a consumer span says of the delivery it handles. */
export interface ConsumeSpanInfo {
  subject: string;
  queueGroup: string;
  msgId: string | undefined;
  deliveryCount: number;
}

export interface TracingHooks {
  /** The active span's context (the request writing an outbox row), or undefined outside any span. */
  activeTraceContext(): TraceContext | undefined;
  /**
   * Runs `publish` in a producer span, a child of `parent` (the context the outbox row was written
   * in), and hands it the producer span's context to send with the message.
   */
  publish<T>(info: PublishSpanInfo, parent: TraceContext | undefined, publish: (sent: TraceContext | undefined) => Promise<T>): Promise<T>;
  /** Runs `handle` in a consumer span, a child of `parent` (the publish span's context from the message). */
  consume<T>(info: ConsumeSpanInfo, parent: TraceContext | undefined, handle: () => Promise<T>): Promise<T>;
  /** Runs `fn` outside any trace, so timers it arms (the relay's next pass) do not inherit the caller's request. */
  outsideTrace<T>(fn: () => T): T;
}

let installed: TracingHooks | undefined;

/** The installed hooks; undefined while tracing is off. */
export function tracingHooks(): TracingHooks | undefined {
  return installed;
}

/** Installs (or, with undefined, removes) the hooks; called by `startTracing` and its `shutdown`. */
export function installTracingHooks(hooks: TracingHooks | undefined): void {
  installed = hooks;
}
