import { createTransport } from '@ticketing/common/transport';
import { startNats, type NatsServerHandle } from '@ticketing/testkit';
import { quietLogger } from './helpers';

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNats({ jetstream: false });
});

afterAll(async () => {
  await server?.stop();
});

describe('transports against a plain nats-server (no JetStream, no streaming subsystem)', () => {
  it('when the plain nats-server does not answer the streaming connect request, then connect rejects with a clear error', async () => {
    const connecting = createTransport(
      { NATS_TRANSPORT: 'streaming', NATS_URL: server.url, NATS_CLUSTER_ID: 'ticketing', NATS_CLIENT_ID: 'orders-test' },
      { connectTimeoutMs: 1_000, logger: quietLogger },
    );

    await expect(connecting).rejects.toThrow(`NATS Streaming server not reachable at ${server.url} (cluster ticketing) within 1000 ms`);
  });

  it('when JetStream is not enabled on the server, then the JetStream transport rejects saying so', async () => {
    await expect(createTransport({ NATS_URL: server.url }, { logger: quietLogger })).rejects.toThrow(
      `JetStream is not available at ${server.url}`,
    );
  });
});
