import { createTransport } from '@ticketing/common';
import { startNats, type NatsServerHandle } from '../../src/nats-server';
import { quietLogger } from './helpers';

let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNats({ jetstream: false });
});

afterAll(async () => {
  await server?.stop();
});

describe('NATS Streaming transport against a server without the streaming subsystem', () => {
  it('when the plain nats-server does not answer the streaming connect request, then connect rejects with a clear error', async () => {
    const connecting = createTransport(
      { NATS_TRANSPORT: 'streaming', NATS_URL: server.url, NATS_CLUSTER_ID: 'ticketing', NATS_CLIENT_ID: 'orders-test' },
      { connectTimeoutMs: 1_000, logger: quietLogger },
    );

    await expect(connecting).rejects.toThrow(
      `NATS Streaming server not reachable at ${server.url} (cluster ticketing) within 1000 ms`,
    );
  });
});
