// The OTLP export as a service runs it, in a child process (see otlp-export-child.js): the standard
// variables alone select OTLP over HTTP with JSON bodies (exporter-trace-otlp-http), and the spans reach
// a local collector with the service.name resource attribute.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from '@ticketing/testkit';
import { startOtlpReceiver } from './support';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let child: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await receiver.close();
});

interface OtlpJson {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; kind: number }[] }[];
  }[];
}

it('when OTEL_EXPORTER_OTLP_ENDPOINT is set with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, then spans are POSTed as JSON to /v1/traces with the service name', async () => {
  child = spawn(process.execPath, [path.join(__dirname, 'otlp-export-child.js'), 'tickets'], {
    env: {
      PATH: process.env.PATH,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  const post = await eventually(() => receiver.posts[0], 'a POST to /v1/traces', 20_000);

  expect(post.contentType).toContain('application/json');
  const [resourceSpans] = (JSON.parse(post.body) as OtlpJson).resourceSpans;
  expect(resourceSpans.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'tickets' } });
  // OTLP's SPAN_KIND_PRODUCER is 4.
  expect(resourceSpans.scopeSpans.flatMap((s) => s.spans)).toContainEqual(
    expect.objectContaining({ name: 'publish ticket:created', kind: 4 }),
  );
}, 30_000);
