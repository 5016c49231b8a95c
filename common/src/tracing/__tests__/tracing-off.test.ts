// Off means off: without an endpoint nothing of OpenTelemetry is loaded, no row or message carries a
// trace context, and a NATS Streaming body stays the data alone.
import mongoose from 'mongoose';
import pino from 'pino';
import { useMongoose } from '@ticketing/testkit';

const mockLoaded: string[] = [];
const OTEL_MODULES = [
  '@opentelemetry/api',
  '@opentelemetry/core',
  '@opentelemetry/sdk-node',
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-express',
  '@opentelemetry/instrumentation-mongodb',
];
// Each factory runs only if something requires the module.
jest.mock('@opentelemetry/api', () => (mockLoaded.push('@opentelemetry/api'), jest.requireActual('@opentelemetry/api')));
jest.mock('@opentelemetry/core', () => (mockLoaded.push('@opentelemetry/core'), jest.requireActual('@opentelemetry/core')));
jest.mock('@opentelemetry/sdk-node', () => (mockLoaded.push('@opentelemetry/sdk-node'), jest.requireActual('@opentelemetry/sdk-node')));
jest.mock(
  '@opentelemetry/instrumentation-http',
  () => (mockLoaded.push('http'), jest.requireActual('@opentelemetry/instrumentation-http')),
);
jest.mock(
  '@opentelemetry/instrumentation-express',
  () => (mockLoaded.push('express'), jest.requireActual('@opentelemetry/instrumentation-express')),
);
jest.mock(
  '@opentelemetry/instrumentation-mongodb',
  () => (mockLoaded.push('mongodb'), jest.requireActual('@opentelemetry/instrumentation-mongodb')),
);

// jest.mock calls are hoisted above every import.
import { startTracing, tracingEnabled, tracingHooks } from '..';
import { Outbox } from '../../outbox/outbox';
import { OutboxRelay } from '../../outbox/outbox-relay';
import { Subjects } from '../../contracts/subjects';
import { createTransport } from '../../transport/create-transport';
import { LoopbackStan } from './support';

useMongoose();

describe('tracing off', () => {
  it('when no OTLP endpoint is set (or the SDK is disabled), then tracing is not enabled', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  it('when a ticket event goes through the outbox and NATS Streaming with tracing off, then no OpenTelemetry module is loaded, no row carries a trace context and the body is the data alone', async () => {
    const tracing = startTracing({ serviceName: 'tickets', env: {} });
    expect(tracing.enabled).toBe(false);
    expect(tracingHooks()).toBeUndefined();

    const outbox = new Outbox(mongoose.connection);
    await outbox.init();
    const data = {
      id: new mongoose.Types.ObjectId().toHexString(),
      version: 0,
      title: 'concert',
      price: 20,
      userId: '64b7f0c2a1b2c3d4e5f60719',
    };
    await outbox.transaction((tx) => tx.add({ subject: Subjects.TicketCreated, data }));
    const stan = new LoopbackStan();
    const broker = await createTransport(
      { NATS_TRANSPORT: 'streaming', NATS_URL: 'nats://stan:4222', NATS_CLUSTER_ID: 'ticketing', NATS_CLIENT_ID: 'tickets-1' },
      { logger: pino({ level: 'silent' }), stanConnect: stan.connect },
    );
    await new OutboxRelay(outbox, broker).drain();
    await broker.close();

    const row = await outbox.model.findOne({ msgId: `ticket:created:${data.id}:0` }).lean();
    expect(row).toMatchObject({ publishedAt: expect.any(Date) });
    expect(row).not.toHaveProperty('traceparent');
    expect(stan.published.map((p) => JSON.parse(p.data))).toEqual([data]);
    expect(mockLoaded.filter((name) => OTEL_MODULES.includes(name) || ['http', 'express', 'mongodb'].includes(name))).toEqual([]);
    // And the global tracer provider is OpenTelemetry's no-op one.
    const { trace } = jest.requireActual<typeof import('@opentelemetry/api')>('@opentelemetry/api');
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
  });
});
