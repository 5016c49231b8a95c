// @ticketing/common/tracing: OpenTelemetry traces across the services, through the outbox and the broker.
// Nothing here loads OpenTelemetry until `startTracing` finds tracing enabled.
export { startTracing, tracingEnabled, type Tracing, type TracingOptions } from './start-tracing';
export { tracingHooks, type ConsumeSpanInfo, type PublishSpanInfo, type TraceContext, type TracingHooks } from './trace-hooks';
