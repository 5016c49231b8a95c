import net from 'node:net';
import { NatsWrapper, natsReadinessCheck } from '../nats-wrapper';

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('NatsWrapper', () => {
  it('when the client is read before connect, then it throws a clear error', () => {
    const wrapper = new NatsWrapper();
    expect(() => wrapper.client).toThrow('Cannot access NATS client before connecting');
    expect(wrapper.isConnected()).toBe(false);
  });

  it('when connecting to a port where nothing listens, then every concurrent caller gets the same clear rejection and the client stays unavailable', async () => {
    const wrapper = new NatsWrapper();
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const first = wrapper.connect({ NATS_URL: url }, { connectTimeoutMs: 2_000 });
    const second = wrapper.connect({ NATS_URL: url }, { connectTimeoutMs: 2_000 });

    expect(second).toBe(first);
    await expect(first).rejects.toThrow(`NATS server not reachable at ${url}`);
    expect(() => wrapper.client).toThrow('Cannot access NATS client before connecting');
    // A failed attempt is forgotten, so the next connect tries again.
    await expect(wrapper.connect({ NATS_URL: url }, { connectTimeoutMs: 2_000 })).rejects.toThrow('not reachable');
  });

  it('when NATS_TRANSPORT is unknown, then connect rejects naming the choices', async () => {
    const wrapper = new NatsWrapper();
    await expect(wrapper.connect({ NATS_URL: 'nats://127.0.0.1:1', NATS_TRANSPORT: 'kafka' as never })).rejects.toThrow(
      'Unknown NATS_TRANSPORT "kafka": use jetstream or streaming',
    );
  });

  it('when not connected, then the readiness check reports the broker not ready', async () => {
    const check = natsReadinessCheck(new NatsWrapper());
    expect(check.name).toBe('broker');
    expect(await check.check()).toBe(false);
  });

  it('when closed before connecting, then close resolves', async () => {
    await expect(new NatsWrapper().close()).resolves.toBeUndefined();
  });
});
