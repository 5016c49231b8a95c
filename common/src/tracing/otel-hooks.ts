import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ConsumeSpanInfo, PublishSpanInfo, TraceContext, TracingHooks } from './trace-hooks';

const TRACER_NAME = '@ticketing/common';
// Always W3C, whatever OTEL_PROPAGATORS says of HTTP headers: the outbox row and the message carry `traceparent`.
const w3c = new W3CTraceContextPropagator();

function toTraceContext(ctx: Context): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  if (!carrier.traceparent) return undefined;
  return carrier.tracestate ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent };
}

function fromTraceContext(parent: TraceContext | undefined): Context {
  if (!parent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, parent, defaultTextMapGetter);
}

/** Runs `fn` with `span` active, records a thrown error on it, and ends it. */
async function inSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

function messagingAttributes(operation: 'send' | 'process', subject: string, msgId: string | undefined): Attributes {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation === 'send' ? 'publish' : 'process',
    'messaging.destination.name': subject,
    ...(msgId ? { 'messaging.message.id': msgId } : {}),
  };
}

/** The hooks on the registered tracer provider (see trace-hooks.ts). */
export function otelHooks(): TracingHooks {
  const tracer = trace.getTracer(TRACER_NAME);
  return {
    activeTraceContext: () => (trace.getSpan(context.active()) ? toTraceContext(context.active()) : undefined),

    publish: (info: PublishSpanInfo, parent, publish) => {
      const span = tracer.startSpan(
        `publish ${info.subject}`,
        { kind: SpanKind.PRODUCER, attributes: messagingAttributes('send', info.subject, info.msgId) },
        fromTraceContext(parent),
      );
      return inSpan(span, () => publish(toTraceContext(trace.setSpan(ROOT_CONTEXT, span))));
    },

    consume: (info: ConsumeSpanInfo, parent, handle) => {
      const span = tracer.startSpan(
        `process ${info.subject}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...messagingAttributes('process', info.subject, info.msgId),
            'messaging.consumer.group.name': info.queueGroup,
            'messaging.message.delivery_count': info.deliveryCount,
          },
        },
        fromTraceContext(parent),
      );
      return inSpan(span, handle);
    },

    outsideTrace: (fn) => context.with(ROOT_CONTEXT, fn),
  };
}
