import type { IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Probes and scrapes: polled every few seconds, each would be a trace of its own. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function isProbe(req: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((req.url ?? '').split('?')[0]);
}

/**
 * The Node SDK with the http, express and mongodb instrumentations. Without `spanProcessors` it reads
 * the exporter from the standard variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL,
 * OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, OTEL_BSP_*, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES...).
 */
export function startNodeSdk(serviceName: string, spanProcessors: SpanProcessor[] | undefined): NodeSDK {
  const sdk = new NodeSDK({
    serviceName,
    // Traces only: metrics are prom-client's on /metrics, logs are pino's on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    ...(spanProcessors ? { spanProcessors } : {}),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: isProbe }),
      new ExpressInstrumentation(),
      // Only inside a trace: the relay's sweeps would otherwise each be a trace of their own.
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return sdk;
}
