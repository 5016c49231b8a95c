import type { TraceContext } from '../tracing/trace-hooks';

/**
 * NATS Streaming messages have no headers, so a traced publish wraps the body in an envelope:
 * `{"$traceContext":{"traceparent":"00-…"},"data":{…the event's data…}}` (docs/events.md). Only a
 * traced publish does: with tracing off the body stays the JSON of the data alone. Consumers accept both.
 */
const ENVELOPE_KEY = '$traceContext';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// JSON.stringify keeps key order, so an envelope always starts with these bytes: a cheap test on every delivery.
const ENVELOPE_PREFIX = encoder.encode(`{"${ENVELOPE_KEY}":`);

export function wrapInTraceEnvelope(data: unknown, traceContext: TraceContext): string {
  return JSON.stringify({ [ENVELOPE_KEY]: traceContext, data });
}

function startsWithEnvelope(body: Uint8Array): boolean {
  if (body.length < ENVELOPE_PREFIX.length) return false;
  for (let i = 0; i < ENVELOPE_PREFIX.length; i++) if (body[i] !== ENVELOPE_PREFIX[i]) return false;
  return true;
}

/** The event's own body and the trace context of an envelope; a plain body is returned as it is. */
export function unwrapTraceEnvelope(body: Uint8Array): { rawData: Uint8Array; traceContext?: TraceContext } {
  if (!startsWithEnvelope(body)) return { rawData: body };
  try {
    const parsed = JSON.parse(decoder.decode(body)) as { [ENVELOPE_KEY]?: Partial<TraceContext>; data?: unknown };
    const trace = parsed[ENVELOPE_KEY];
    if (parsed.data === undefined || typeof trace?.traceparent !== 'string') return { rawData: body };
    const traceContext: TraceContext =
      typeof trace.tracestate === 'string'
        ? { traceparent: trace.traceparent, tracestate: trace.tracestate }
        : { traceparent: trace.traceparent };
    return { rawData: encoder.encode(JSON.stringify(parsed.data)), traceContext };
  } catch {
    // Not JSON after all: the listener refuses it as it is.
    return { rawData: body };
  }
}
