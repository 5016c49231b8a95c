import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { installTracingHooks } from './trace-hooks';

export interface TracingOptions {
  /** The `service.name` resource attribute, e.g. `tickets`. */
  serviceName: string;
  /** Default: the process environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Replace the exporter the environment names (tests: an InMemorySpanExporter behind a
   * SimpleSpanProcessor); tracing then starts whatever the environment says.
   */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered and stops the SDK (at most `timeoutMs`, default 5 s). */
  shutdown(timeoutMs?: number): Promise<void>;
  /** For `runService`'s `exit`: flushes the spans, then exits the process with `code`. */
  exit(code: number): void;
}

/**
 * True when spans have somewhere to go: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * is set, and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none says otherwise.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

const OFF: Tracing = {
  enabled: false,
  shutdown: async () => undefined,
  exit: (code) => process.exit(code),
};

/**
 * Starts tracing when it is enabled (see `tracingEnabled`), before the service loads express, mongoose
 * or http: the instrumentations patch those modules as they are required. Off, it loads nothing.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (!options.spanProcessors && !tracingEnabled(options.env)) return OFF;
  // Required here, not imported: with tracing off, no OpenTelemetry module is ever loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startNodeSdk } = require('./node-sdk') as typeof import('./node-sdk');
  const { otelHooks } = require('./otel-hooks') as typeof import('./otel-hooks');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = startNodeSdk(options.serviceName, options.spanProcessors);
  installTracingHooks(otelHooks());
  let stopping: Promise<void> | undefined;
  const shutdown = (timeoutMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      installTracingHooks(undefined);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      // A collector that is away must not hold the shutdown: spans not exported in time are dropped.
      await Promise.race([sdk.shutdown().catch(() => undefined), timeout]);
      clearTimeout(timer);
    })();
    return stopping;
  };
  return {
    enabled: true,
    shutdown,
    exit: (code) => void shutdown().finally(() => process.exit(code)),
  };
}
