import { JetStreamApiError, type JsMsg } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { SettlingMessage } from './event-message';
import type { TraceContext } from '../tracing/trace-hooks';

export const MSG_ID_HEADER = 'Nats-Msg-Id';
/** W3C trace context headers, named as on HTTP. */
const TRACEPARENT_HEADER = 'traceparent';
const TRACESTATE_HEADER = 'tracestate';

/** The message headers carrying a publish span's context. */
export function traceHeaders(trace: TraceContext): MsgHdrs {
  const h = headers();
  h.set(TRACEPARENT_HEADER, trace.traceparent);
  if (trace.tracestate) h.set(TRACESTATE_HEADER, trace.tracestate);
  return h;
}
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

/**
 * Errors worth retrying: the broker is away, restarting, or slow. A JetStream API refusal is final,
 * except "temporarily unavailable" (status 503, e.g. while the cluster elects a leader); `code` is
 * JetStream's own error number, `status` the HTTP-like one.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return err.status === 503;
  // The broker refuses this user the subject: retrying cannot help.
  if (isPermissionViolation(err)) return false;
  return true;
}

/** JetStream's "no suitable peers for placement": a replica's server is not (yet) in the cluster. */
const NO_SUITABLE_PEERS = 10005;

/**
 * Errors that waiting can cure while a service starts: those of `isTransient`, and a stream of several
 * replicas that cannot be placed yet because a cluster peer is still starting. A server without
 * JetStream is final.
 */
export function isTransientAtStart(err: unknown): boolean {
  if (err instanceof Error && err.name === 'JetStreamNotEnabled') return false;
  if (err instanceof JetStreamApiError && err.code === NO_SUITABLE_PEERS) return true;
  return isTransient(err);
}

/** A `Permissions Violation` from the broker (nats.js `PermissionViolationError`), possibly as the cause. */
export function isPermissionViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.name === 'PermissionViolationError' || e.message.includes('Permissions Violation')) return true;
  }
  return false;
}

export function decodeBody(body: Uint8Array): { text: string; data: unknown } {
  const text = decoder.decode(body);
  try {
    return { text, data: JSON.parse(text) as unknown };
  } catch {
    return { text, data: text };
  }
}

export class JetStreamEventMessage extends SettlingMessage {
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

  // Read only by the listener's consume span, that is only when tracing is on.
  get traceContext(): TraceContext | undefined {
    const traceparent = this.msg.headers?.get(TRACEPARENT_HEADER);
    if (!traceparent) return undefined;
    const tracestate = this.msg.headers?.get(TRACESTATE_HEADER);
    return tracestate ? { traceparent, tracestate } : { traceparent };
  }

  protected doAck(): void {
    this.msg.ack();
  }

  protected doNak(delayMs?: number): void {
    this.msg.nak(delayMs);
  }

  /**
   * Without the reason on the wire: nats-server 2.9 ignores a `+TERM <reason>` ack (the message comes
   * back after every ack wait until max_deliver); the reason is in the dead letter and the logs.
   */
  protected doTerm(): void {
    this.msg.term();
  }
}
