import { connect } from '@nats-io/transport-node';
import { eventMessageId, Subjects, type TicketingEvent } from '@ticketing/common/contracts';
import {
  BROKER_ROLES,
  BROKER_SERVICES,
  brokerPermissions,
  createTransport,
  listDeadLetters,
  type BrokerService,
  type DeadLetter,
  type JetStreamTransport,
  type Transport,
} from '@ticketing/common/transport';
import { eventually, serviceBrokerUsers, startNats, type NatsCredentials, type NatsServerHandle, type NatsUser } from '@ticketing/testkit';
import { eventFactories, quietLogger, RecordingListener, type RecordingListenerOptions } from './helpers';

// A real nats-server started with the generated authorization (one user per service, the permissions
// of brokerPermissions): what a service may and may not do on the broker.
jest.setTimeout(60_000);

let server: NatsServerHandle;
let credentials: Record<BrokerService | 'operator', NatsCredentials>;
let users: NatsUser[];
const transports: Transport[] = [];
const listeners: RecordingListener<TicketingEvent>[] = [];

async function connectAs(who: BrokerService | 'operator', url = server.url): Promise<JetStreamTransport> {
  const { user, password } = credentials[who];
  const transport = (await createTransport(
    { NATS_URL: url, NATS_USER: user, NATS_PASSWORD: password, NATS_CLIENT_ID: `${who}-test` },
    { logger: quietLogger, publishTimeoutMs: 3_000, connectTimeoutMs: 3_000 },
  )) as JetStreamTransport;
  transports.push(transport);
  return transport;
}

async function listenAs<E extends TicketingEvent>(
  transport: Transport,
  subject: E['subject'],
  service: BrokerService,
  options: Pick<RecordingListenerOptions<E>, 'maxDeliver' | 'onMessage'> = {},
): Promise<RecordingListener<E>> {
  const listener = new RecordingListener<E>(transport, subject, BROKER_ROLES[service].queueGroup, {
    maxDeliver: options.maxDeliver,
    ackWait: 1_000,
    retryDelayMs: 50,
    onMessage: options.onMessage,
  });
  await listener.listen();
  listeners.push(listener as unknown as RecordingListener<TicketingEvent>);
  return listener;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  ({ credentials, users } = serviceBrokerUsers());
  server = await startNats({ users });
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  await server?.stop();
});

describe('broker users and permissions', () => {
  it('when a client connects without credentials or with a wrong password, then the server refuses the connection', async () => {
    await expect(connect({ servers: server.url, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: server.url, timeout: 3_000, user: 'orders', pass: `${credentials.orders.password}x` })).rejects.toThrow(
      /Authorization Violation/i,
    );
    await expect(createTransport({ NATS_URL: server.url }, { logger: quietLogger, connectTimeoutMs: 3_000 })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('when the tickets user forges order:created, then the broker refuses it, no consumer gets it, and the genuine event with the same id is not taken for a duplicate', async () => {
    const payments = await connectAs('payments');
    const consumer = await listenAs(payments, Subjects.OrderCreated, 'payments');
    const tickets = await connectAs('tickets');
    const forged = eventFactories[Subjects.OrderCreated]();
    const msgId = eventMessageId(Subjects.OrderCreated, forged);

    await expect(tickets.publish(Subjects.OrderCreated, forged, { msgId })).rejects.toThrow(/Permissions Violation/);
    await expect(tickets.publish(Subjects.OrderCancelled, eventFactories[Subjects.OrderCancelled]())).rejects.toThrow(
      /Permissions Violation/,
    );
    await sleep(500);
    expect(consumer.deliveries).toHaveLength(0);

    const orders = await connectAs('orders');
    const genuine = { ...forged, userId: eventFactories[Subjects.OrderCreated]().userId };
    const ack = await orders.publish(Subjects.OrderCreated, genuine, { msgId });
    expect(ack.duplicate).toBe(false);
    await eventually(() => consumer.deliveries.length === 1, 'the genuine order:created is delivered');
    expect(consumer.deliveries.map((d) => d.data)).toEqual([genuine]);
  });

  it('when the payments user forges ticket:updated, then the orders-service consumer gets nothing', async () => {
    const orders = await connectAs('orders');
    const consumer = await listenAs(orders, Subjects.TicketUpdated, 'orders');
    const payments = await connectAs('payments');

    await expect(payments.publish(Subjects.TicketUpdated, eventFactories[Subjects.TicketUpdated]())).rejects.toThrow(
      /Permissions Violation/,
    );
    await sleep(500);
    expect(consumer.deliveries).toHaveLength(0);
  });

  it("when a service user reaches for another service's durable, stream deletion or a core subscription to events, then the broker refuses it", async () => {
    const tickets = await connectAs('tickets');
    await expect(tickets.jsm.consumers.info('TICKETING', 'orders-service_ticket-updated')).rejects.toThrow(/Permissions Violation/);
    await expect(tickets.jsm.streams.delete('TICKETING')).rejects.toThrow(/Permissions Violation/);
    const { user, password } = credentials.tickets;
    const nc = await connect({ servers: server.url, user, pass: password });
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
      })();
      nc.subscribe(Subjects.PaymentCreated);
      await nc.flush();
      await eventually(() => /Permissions Violation for Subscription to "payment:created"/.test(errors.join()), 'the refusal');
    } finally {
      await nc.close();
    }
  });

  it('when an authorised client publishes malformed events, then each ends up in the dead letters with the reason on its first delivery and is never applied', async () => {
    const tickets = await connectAs('tickets');
    const consumer = await listenAs(tickets, Subjects.OrderCreated, 'tickets');
    const orders = await connectAs('orders');
    const operator = await connectAs('operator');
    const valid = eventFactories[Subjects.OrderCreated]();
    const malformed: [string, Record<string, unknown>, RegExp][] = [
      ['wrong type', { ...eventFactories[Subjects.OrderCreated](), version: '1' }, /^invalid event: version: .*expected number/],
      ['missing field', { ...eventFactories[Subjects.OrderCreated](), ticket: undefined }, /^invalid event: ticket: /],
      [
        'invalid id',
        { ...eventFactories[Subjects.OrderCreated](), id: 'x'.repeat(24) },
        /^invalid event: id: must be 24 hexadecimal digits/,
      ],
    ];
    // The raw transport, not a Publisher: a publisher would refuse them before they reach the broker.
    for (const [, data] of malformed) await orders.publish(Subjects.OrderCreated, data, { msgId: `order:created:bad:${String(data.id)}` });
    await orders.publish(Subjects.OrderCreated, valid, { msgId: eventMessageId(Subjects.OrderCreated, valid) });

    await eventually(() => consumer.deliveries.some((d) => d.data.id === valid.id), 'the valid event after them');
    const letters = await eventually(async () => {
      const found = (await listDeadLetters(operator)).filter(
        (l) => l.queueGroup === 'tickets-service' && l.msgId?.startsWith('order:created:bad:'),
      );
      return found.length === malformed.length ? found : undefined;
    }, 'a dead letter per malformed event');
    for (const [, data, reason] of malformed) {
      const letter = letters.find((l) => l.msgId === `order:created:bad:${String(data.id)}`);
      expect(letter).toMatchObject({ deliveryCount: 1, source: 'listener' });
      expect(letter?.error).toMatch(reason);
    }
    const applied = new Set(consumer.deliveries.map((d) => d.data.id));
    expect(malformed.filter(([, data]) => applied.has(String(data.id)))).toEqual([]);
  });

  it.each(BROKER_SERVICES.map((service) => [service]))(
    'when %s connects as its own user to a fresh broker, then its transport creates the streams and durables, publishes its subjects, consumes its durables and records dead letters (from the listener and from the advisory)',
    async (service) => {
      const role = BROKER_ROLES[service];
      const fresh = await startNats({ users });
      try {
        const own = await connectAs(service, fresh.url);
        // The operator stands in for the producers of what this service consumes, and lists the dead letters.
        const operator = await connectAs('operator', fresh.url);
        for (const subject of role.consumes) {
          const listener = await listenAs(own, subject, service, {
            maxDeliver: 2,
            onMessage: async (data, msg) => {
              if (data.version === 7) return sleep(1_500); // outlives the ack wait on its last delivery: the advisory's case
              if (msg.deliveryCount >= 2) throw new Error('gave up');
              msg.nak(10);
            },
          });
          const letterOf = (data: { id: string; version: number }): Promise<DeadLetter> =>
            eventually(
              async () =>
                (await listDeadLetters(operator)).find(
                  (l) => l.queueGroup === role.queueGroup && l.msgId === eventMessageId(subject, data),
                ),
              `the dead letter of ${subject} ${data.id}`,
            );
          const failing = eventFactories[subject]();
          await operator.publish(subject, failing, { msgId: eventMessageId(subject, failing) });
          expect(await letterOf(failing)).toMatchObject({ data: failing, error: 'gave up', source: 'listener' });
          const stuck = { ...eventFactories[subject](), version: 7 };
          await operator.publish(subject, stuck, { msgId: eventMessageId(subject, stuck) });
          expect(await letterOf(stuck)).toMatchObject({ data: stuck, source: 'advisory' });
          expect(listener.deliveries.length).toBeGreaterThanOrEqual(4);
        }
        for (const subject of role.publishes) {
          const data = eventFactories[subject]();
          const ack = await own.publish(subject, data, { msgId: eventMessageId(subject, data) });
          expect(ack).toMatchObject({ duplicate: false, stream: 'TICKETING' });
        }
        expect(brokerPermissions(service).publish.allow).not.toContain('$JS.API.>');
      } finally {
        await Promise.all(listeners.splice(0).map((l) => l.close()));
        await Promise.all(transports.splice(0).map((t) => t.close()));
        await fresh.stop();
      }
    },
  );
});
