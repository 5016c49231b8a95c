import { Subjects, type TicketCreatedEvent } from '@ticketing/common/contracts';
import { JetStreamTransport, natsLifecycleHook, natsReadinessCheck, NatsWrapper } from '@ticketing/common/transport';
import { startNats, type NatsServerHandle, eventually } from '@ticketing/testkit';
import { eventFactories, quietLogger, RecordingListener } from './helpers';

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNats();
});

afterAll(async () => {
  await server?.stop();
});

describe('NatsWrapper against a real broker', () => {
  it('when connect is called concurrently and again later, then one connection is shared and the client is usable', async () => {
    const wrapper = new NatsWrapper();
    try {
      const [a, b] = await Promise.all([
        wrapper.connect({ NATS_URL: server.url }, { logger: quietLogger }),
        wrapper.connect({ NATS_URL: server.url }, { logger: quietLogger }),
      ]);
      const c = await wrapper.connect({ NATS_URL: server.url }, { logger: quietLogger });

      expect(a).toBe(b);
      expect(c).toBe(a);
      expect(wrapper.client).toBe(a);
      expect(a).toBeInstanceOf(JetStreamTransport);
      expect(wrapper.isConnected()).toBe(true);
      expect(await natsReadinessCheck(wrapper).check()).toBe(true);
    } finally {
      await wrapper.close();
    }
    expect(wrapper.isConnected()).toBe(false);
    expect(() => wrapper.client).toThrow('Cannot access NATS client before connecting');
  });

  it('when used as a service lifecycle hook, then start connects and starts the listeners, and stop closes them and the connection', async () => {
    const wrapper = new NatsWrapper();
    const handled: string[] = [];
    const hook = natsLifecycleHook(
      wrapper,
      { NATS_URL: server.url },
      async (client) => {
        const listener = new RecordingListener<TicketCreatedEvent>(client, Subjects.TicketCreated, 'hook-service', {
          onMessage: (data, msg) => {
            handled.push(data.id);
            msg.ack();
          },
        });
        await listener.listen();
        return [listener];
      },
      { logger: quietLogger },
    );

    await hook.start();
    const event = eventFactories[Subjects.TicketCreated]();
    await wrapper.client.publish(Subjects.TicketCreated, event);
    await eventually(() => handled.includes(event.id), 'the hook-started listener handles an event');
    const transport = wrapper.client as JetStreamTransport;

    await hook.stop();
    expect(transport.nc.isClosed()).toBe(true);
    expect(wrapper.isConnected()).toBe(false);
  });

  it('when the listeners fail to start, then the hook closes the connection it opened and rethrows', async () => {
    const wrapper = new NatsWrapper();
    const hook = natsLifecycleHook(
      wrapper,
      { NATS_URL: server.url },
      () => {
        throw new Error('listener setup failed');
      },
      { logger: quietLogger },
    );

    await expect(hook.start()).rejects.toThrow('listener setup failed');
    expect(wrapper.isConnected()).toBe(false);
  });
});
