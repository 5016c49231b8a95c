import { EventEmitter } from 'node:events';
import pino from 'pino';
import { Listener } from '../../events/listener';
import { Publisher } from '../../events/publisher';
import { Subjects } from '../../contracts/subjects';
import { OrderStatus, type OrderCreatedEvent, type TicketCreatedEvent } from '../../contracts/types';
import type { EventMessage } from '../event-message';
import { createTransport } from '../create-transport';
import {
  stanAckWaitMs,
  StreamingTransport,
  type StanClient,
  type StanConnect,
  type StanMessage,
  type StanSubscription,
  type StanSubscriptionOptions,
} from '../streaming-transport';
import type { Transport } from '../transport';

const quiet = pino({ level: 'silent' });

class FakeSubscriptionOptions implements StanSubscriptionOptions {
  deliverAll = false;
  manualAcks = false;
  ackWait: number | undefined;
  durableName: string | undefined;
  maxInFlight: number | undefined;
  setDeliverAllAvailable() {
    this.deliverAll = true;
    return this;
  }
  setManualAckMode(manual: boolean) {
    this.manualAcks = manual;
    return this;
  }
  setAckWait(millis: number) {
    this.ackWait = millis;
    return this;
  }
  setDurableName(name: string) {
    this.durableName = name;
    return this;
  }
  setMaxInFlight(n: number) {
    this.maxInFlight = n;
    return this;
  }
}

class FakeSubscription extends EventEmitter implements StanSubscription {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

/** A stand-in for node-nats-streaming's client: no STAN server can run on the test machines. */
class FakeStan extends EventEmitter implements StanClient {
  readonly published: { subject: string; data: string }[] = [];
  readonly subscriptions: { subject: string; queueGroup: string; options: FakeSubscriptionOptions; subscription: FakeSubscription }[] = [];
  publishError: string | undefined;
  closed = false;

  publish(subject: string, data: string, callback: (err: Error | string | undefined, guid: string) => void): string {
    this.published.push({ subject, data });
    setImmediate(() => callback(this.publishError, `guid-${this.published.length}`));
    return `guid-${this.published.length}`;
  }

  subscribe(subject: string, queueGroup: string, options: StanSubscriptionOptions): StanSubscription {
    const subscription = new FakeSubscription();
    this.subscriptions.push({ subject, queueGroup, options: options as FakeSubscriptionOptions, subscription });
    setImmediate(() => subscription.emit('ready'));
    return subscription;
  }

  subscriptionOptions(): StanSubscriptionOptions {
    return new FakeSubscriptionOptions();
  }

  close(): void {
    this.closed = true;
    setImmediate(() => this.emit('close'));
  }

  /** Pushes a message to the subscription on `subject`, as the server would. */
  deliver(subject: string, body: string, { sequence = 1, redelivered = false } = {}): StanMessage & { ack: jest.Mock } {
    const message = {
      getSubject: () => subject,
      getSequence: () => sequence,
      getRawData: () => Buffer.from(body, 'utf8'),
      isRedelivered: () => redelivered,
      ack: jest.fn(),
    };
    const target = this.subscriptions.find((s) => s.subject === subject);
    if (!target) throw new Error(`nothing subscribed to ${subject}`);
    target.subscription.emit('message', message);
    return message;
  }
}

function fakeConnect(behaviour: 'connect' | 'error' | 'silent' = 'connect') {
  const stan = new FakeStan();
  const calls: Parameters<StanConnect>[] = [];
  const stanConnect: StanConnect = (...args) => {
    calls.push(args);
    setImmediate(() => {
      if (behaviour === 'connect') stan.emit('connect', stan);
      if (behaviour === 'error') stan.emit('error', new Error('stan: connect request timeout'));
    });
    return stan;
  };
  return { stan, calls, stanConnect };
}

const config = {
  NATS_TRANSPORT: 'streaming' as const,
  NATS_URL: 'nats://nats-srv:4222',
  NATS_CLUSTER_ID: 'ticketing',
  NATS_CLIENT_ID: 'tickets-abc',
};

class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = 'tickets-service';
  readonly received: { data: OrderCreatedEvent['data']; msg: EventMessage }[] = [];
  behaviour: (msg: EventMessage) => void = (msg) => msg.ack();

  constructor(client: Transport, ackWait?: number) {
    super(client, { logger: quiet });
    if (ackWait !== undefined) this.ackWait = ackWait;
  }

  onMessage(data: OrderCreatedEvent['data'], msg: EventMessage): void {
    this.received.push({ data, msg });
    this.behaviour(msg);
  }
}

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

const orderCreated: OrderCreatedEvent['data'] = {
  id: '64b7f0c2a1b2c3d4e5f600c1',
  version: 0,
  status: OrderStatus.Created,
  userId: '64b7f0c2a1b2c3d4e5f600b1',
  expiresAt: '2030-01-01T00:00:00.000Z',
  ticket: { id: '64b7f0c2a1b2c3d4e5f600a1', price: 15, reservation: 1 },
};

async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('NATS Streaming transport (fake client)', () => {
  it('when NATS_TRANSPORT is streaming, then createTransport connects with the cluster id, client id and url', async () => {
    const { calls, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });

    expect(transport).toBeInstanceOf(StreamingTransport);
    expect(transport.kind).toBe('streaming');
    expect(transport.deadLetters).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('ticketing');
    expect(calls[0][1]).toBe('tickets-abc');
    expect(calls[0][2]).toMatchObject({ url: 'nats://nats-srv:4222', maxReconnectAttempts: -1 });
    expect(transport.isConnected()).toBe(true);
  });

  it("when NATS_URL lists several servers, then they are node-nats-streaming's servers, the first one also its url", async () => {
    const { calls, stanConnect } = fakeConnect();
    await createTransport(
      { ...config, NATS_URL: 'nats://nats-0:4222, nats://nats-1:4222,nats://nats-2:4222' },
      { stanConnect, logger: quiet },
    );

    expect(calls[0][2]).toMatchObject({
      url: 'nats://nats-0:4222',
      servers: ['nats://nats-0:4222', 'nats://nats-1:4222', 'nats://nats-2:4222'],
    });
  });

  it("when NATS_USER and NATS_PASSWORD are set, then they are node-nats-streaming's user and pass; unset, no credentials are sent", async () => {
    const withUser = fakeConnect();
    await createTransport(
      { ...config, NATS_USER: 'tickets', NATS_PASSWORD: 's3cret' },
      { stanConnect: withUser.stanConnect, logger: quiet },
    );
    expect(withUser.calls[0][2]).toMatchObject({ user: 'tickets', pass: 's3cret' });

    const without = fakeConnect();
    await createTransport({ ...config, NATS_USER: '', NATS_PASSWORD: '' }, { stanConnect: without.stanConnect, logger: quiet });
    expect(without.calls[0][2]).not.toHaveProperty('user');
    expect(without.calls[0][2]).not.toHaveProperty('pass');

    await expect(
      createTransport({ ...config, NATS_USER: 'tickets' }, { stanConnect: fakeConnect().stanConnect, logger: quiet }),
    ).rejects.toThrow(/NATS_PASSWORD is not/);
  });

  it('when a listener listens, then it queue-subscribes with the course options: deliver all, manual acks, ack wait, durable = queue group', async () => {
    const { stan, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });
    await new OrderCreatedListener(transport, 7_000).listen();

    expect(stan.subscriptions).toHaveLength(1);
    const [{ subject, queueGroup, options }] = stan.subscriptions;
    expect(subject).toBe('order:created');
    expect(queueGroup).toBe('tickets-service');
    expect(options).toMatchObject({ deliverAll: true, manualAcks: true, ackWait: 7_000, durableName: 'tickets-service' });
  });

  it.each([
    [1, 1_000],
    [500, 1_000],
    [1_000, 1_000],
    [1_500, 2_000],
    [5_001, 6_000],
  ])('when the ack wait is %i ms, then the subscription asks for %i ms (whole seconds, rounded up)', async (asked, sent) => {
    expect(stanAckWaitMs(asked)).toBe(sent);
    const { stan, stanConnect } = fakeConnect();
    await new OrderCreatedListener(await createTransport(config, { stanConnect, logger: quiet }), asked).listen();
    expect(stan.subscriptions[0].options.ackWait).toBe(sent);
  });

  it('when a message arrives, then the listener gets the decoded data and its ack acknowledges the message', async () => {
    const { stan, stanConnect } = fakeConnect();
    const listener = new OrderCreatedListener(await createTransport(config, { stanConnect, logger: quiet }));
    await listener.listen();

    const message = stan.deliver('order:created', JSON.stringify(orderCreated), { sequence: 7 });
    await flush();

    expect(listener.received).toHaveLength(1);
    expect(listener.received[0].data).toEqual(orderCreated);
    expect(listener.received[0].msg).toMatchObject({ subject: 'order:created', sequence: 7, deliveryCount: 1, msgId: undefined });
    expect(message.ack).toHaveBeenCalledTimes(1);
  });

  it('when the listener throws or does not ack, then the message is not acknowledged, and a redelivery counts as the second delivery', async () => {
    const { stan, stanConnect } = fakeConnect();
    const listener = new OrderCreatedListener(await createTransport(config, { stanConnect, logger: quiet }));
    listener.behaviour = () => {
      throw new Error('boom');
    };
    await listener.listen();

    const first = stan.deliver('order:created', JSON.stringify(orderCreated), { sequence: 3 });
    await flush();
    listener.behaviour = (msg) => msg.nak(100); // "try later": on STAN, simply no ack
    const second = stan.deliver('order:created', JSON.stringify(orderCreated), { sequence: 3, redelivered: true });
    await flush();

    expect(first.ack).not.toHaveBeenCalled();
    expect(second.ack).not.toHaveBeenCalled();
    expect(listener.received.map((r) => r.msg.deliveryCount)).toEqual([1, 2]);
  });

  it("when deliveries arrive faster than they are handled, then up to `concurrency` run at once and one key's run one at a time, in arrival order", async () => {
    const { stan, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });
    const started: string[] = [];
    const release = new Map<string, () => void>();
    await transport.subscribe(
      'order:created',
      {
        queueGroup: 'tickets-service',
        ackWaitMs: 5_000,
        maxDeliver: 10,
        maxInFlight: 10,
        concurrency: 2,
        orderingKey: (msg) => String(msg.sequence! % 2),
      },
      async (msg) => {
        const name = `seq ${msg.sequence}`;
        started.push(name);
        await new Promise<void>((resolve) => release.set(name, resolve));
        msg.ack();
      },
    );

    // Sequences 1 and 3 share key "1"; 2 has key "0"; 4 (key "0") waits for a free slot.
    for (const sequence of [1, 2, 3, 4]) stan.deliver('order:created', JSON.stringify(orderCreated), { sequence });
    await flush();
    expect(started).toEqual(['seq 1', 'seq 2']);

    release.get('seq 1')!();
    await flush();
    await flush();
    expect(started).toEqual(['seq 1', 'seq 2', 'seq 3']);

    release.get('seq 2')!();
    release.get('seq 3')!();
    await flush();
    await flush();
    expect(started).toEqual(['seq 1', 'seq 2', 'seq 3', 'seq 4']);
    release.get('seq 4')!();
  });

  it('when a publisher publishes, then the body is the JSON of the data and publish resolves on the server ack', async () => {
    const { stan, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });
    const data = { id: '64b7f0c2a1b2c3d4e5f600a1', version: 0, title: 'concert', price: 20, userId: '64b7f0c2a1b2c3d4e5f600b1' };

    await expect(new TicketCreatedPublisher(transport).publish(data)).resolves.toEqual({ duplicate: false });
    expect(stan.published).toEqual([{ subject: 'ticket:created', data: JSON.stringify(data) }]);
  });

  it('when the server refuses a publish, then publish rejects with its reason', async () => {
    const { stan, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });
    stan.publishError = 'stan: publish ack timeout';

    await expect(transport.publish('ticket:created', { id: '64b7f0c2a1b2c3d4e5f600a1', version: 0 })).rejects.toThrow(
      'Publish on "ticket:created" was not acknowledged by NATS Streaming: stan: publish ack timeout',
    );
  });

  it('when the client reports an error while connecting, then connect rejects with where it tried', async () => {
    const { stan, stanConnect } = fakeConnect('error');
    await expect(createTransport(config, { stanConnect, logger: quiet })).rejects.toThrow(
      'NATS Streaming server not reachable at nats://nats-srv:4222 (cluster ticketing) within 10000 ms: stan: connect request timeout',
    );
    expect(stan.closed).toBe(true);
  });

  it('when the client never connects, then connect rejects after the timeout instead of hanging', async () => {
    const { stan, stanConnect } = fakeConnect('silent');
    await expect(createTransport(config, { stanConnect, logger: quiet, connectTimeoutMs: 100 })).rejects.toThrow(
      /NATS Streaming server not reachable at nats:\/\/nats-srv:4222 \(cluster ticketing\) within 100 ms/,
    );
    expect(stan.closed).toBe(true);
  });

  it('when the cluster or client id is missing, then connect rejects naming them', async () => {
    await expect(createTransport({ ...config, NATS_CLIENT_ID: '' }, { stanConnect: fakeConnect().stanConnect })).rejects.toThrow(
      'NATS Streaming needs NATS_CLUSTER_ID and NATS_CLIENT_ID',
    );
  });

  it('when closed, then the client is closed and the subscription stays durable (closed, not unsubscribed)', async () => {
    const { stan, stanConnect } = fakeConnect();
    const transport = await createTransport(config, { stanConnect, logger: quiet });
    const listener = new OrderCreatedListener(transport);
    await listener.listen();

    await listener.close();
    await transport.close();

    expect(stan.subscriptions[0].subscription.closed).toBe(true);
    expect(stan.closed).toBe(true);
    expect(transport.isConnected()).toBe(false);
  });
});
