// The service's real wiring (app, collections, listeners, outbox relay) against a real nats-server:
// no mocks here.
import { createSessionCookie, RunningService, startService } from '@ticketing/common/http';
import {
  eventMessageId,
  OrderCancelledEvent,
  OrderCreatedEvent,
  OrderStatus,
  Subjects,
  TicketCreatedEvent,
  TicketUpdatedEvent,
} from '@ticketing/common/contracts';
import { EventMessage, Transport, createTransport } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';
import {
  mongoUriWithDatabase,
  NatsServerHandle,
  startMongo,
  startNats,
  TestMongo,
  uniqueDatabaseName,
  eventually,
} from '@ticketing/testkit';
import mongoose from 'mongoose';
import request from 'supertest';
import { loadConfig, TicketsConfig } from '../config';
import { natsWrapper } from '../nats-wrapper';
import type { Ticket as TicketJson } from '../domain/tickets';
import { ticketsService } from '../service';
import { newId, ticketBody, SESSION_KEYS, useFakeAuth } from '../test/helpers';

type TicketEvent = TicketCreatedEvent | TicketUpdatedEvent;
interface Seen {
  subject: string;
  data: TicketEvent['data'];
  msgId: string | undefined;
}

/** Records every ticket event the broker delivers, as another service's listener would see it. */
class TicketEventProbe<E extends TicketEvent> extends Listener<E> {
  readonly queueGroupName = 'test-probe';

  constructor(
    client: Transport,
    readonly subject: E['subject'],
    private readonly seen: Seen[],
  ) {
    super(client);
  }

  onMessage(data: E['data'], msg: EventMessage): void {
    this.seen.push({ subject: msg.subject, data, msgId: msg.msgId });
    msg.ack();
  }
}

let nats: NatsServerHandle;
let ownMongo: TestMongo | undefined;
let mongoUri: string;
let service: RunningService<TicketsConfig>;
let broker: Transport;
let url: string;
const seen: Seen[] = [];
const probes: Array<{ close(): Promise<void> }> = [];

const eventsOf = (id: string) => seen.filter((event) => event.data.id === id);

/** A ticket whose ticket:created was written, before the tickets kept their own events, to the outbox collection and never published. */
const earlierTicket = { id: new mongoose.Types.ObjectId().toHexString(), title: 'from before', price: 5, userId: newId() };

/** Seeds the database as a version of the service before EmbeddedOutbox left it: the ticket, and its unpublished outbox row. */
async function seedEarlierOutbox(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const { id, ...fields } = earlierTicket;
    await connection.collection('tickets').insertOne({ _id: new mongoose.Types.ObjectId(id), ...fields, version: 0 });
    const now = new Date();
    await connection.collection('outbox').insertOne({
      subject: Subjects.TicketCreated,
      data: { ...earlierTicket, version: 0 },
      msgId: `ticket:created:${id}:0`,
      aggregateId: id,
      aggregateVersion: 0,
      createdAt: now,
      publishedAt: null,
      attempts: 0,
      lastError: null,
      nextAttemptAt: now,
      claimedBy: null,
      claimedUntil: null,
    });
  } finally {
    await connection.close();
  }
}

const fakeAuth = useFakeAuth();

beforeAll(async () => {
  nats = await startNats();
  const base = process.env.TEST_MONGO_URI ?? (ownMongo = await startMongo()).uri;
  mongoUri = mongoUriWithDatabase(base, uniqueDatabaseName('tickets_service'));
  await seedEarlierOutbox(mongoUri);
  service = await startService(
    ticketsService({
      // PORT 0 (any free port) is not a valid PORT setting, so it is set after validation.
      loadConfig: () => ({
        ...loadConfig({
          JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
          AUTH_URL: fakeAuth.url,
          COOKIE_SECURE: 'false',
          MONGO_URI: mongoUri,
          NATS_URL: nats.url,
          NATS_CLIENT_ID: 'tickets-test',
          // startService applies LOG_LEVEL to the shared logger: keep the test output quiet.
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
        }),
        PORT: 0,
      }),
      transport: { connectTimeoutMs: 5_000, reconnectTimeWaitMs: 100 },
    }),
  );
  url = `http://127.0.0.1:${service.port}`;

  broker = await createTransport({ NATS_URL: nats.url }, { connectTimeoutMs: 5_000 });
  for (const subject of [Subjects.TicketCreated, Subjects.TicketUpdated] as const) {
    const probe = new TicketEventProbe(broker, subject, seen);
    await probe.listen();
    probes.push(probe);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(probes.map((probe) => probe.close()));
  await broker?.close();
  await service?.stop();
  const connection = await mongoose.createConnection(mongoUri).asPromise();
  await connection.dropDatabase();
  await connection.close();
  await ownMongo?.stop();
  await nats?.stop();
}, 60_000);

describe('the tickets service with a real broker', () => {
  it('when the service runs, then /readyz reports the database and the broker ready', async () => {
    const response = await request(url).get('/readyz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the database held an unpublished row in the outbox collection from before, then the service publishes it too, once', async () => {
    await eventually(() => eventsOf(earlierTicket.id).length >= 1, 'the earlier row was published');
    expect(eventsOf(earlierTicket.id)).toEqual([
      { subject: Subjects.TicketCreated, data: { ...earlierTicket, version: 0 }, msgId: `ticket:created:${earlierTicket.id}:0` },
    ]);
    // Marked published once the relay writes its marks (they trail the publish by up to markDelayMs).
    const connection = await mongoose.createConnection(mongoUri).asPromise();
    try {
      await eventually(
        async () => (await connection.collection('outbox').countDocuments({ publishedAt: null })) === 0,
        'the row marked published',
      );
    } finally {
      await connection.close();
    }
  });

  it('when a ticket is created and edited over HTTP, then ticket:created v0 and ticket:updated v1 reach the broker in that order', async () => {
    const userId = newId();
    const cookie = createSessionCookie({ id: userId, email: 'seller@example.com' }, SESSION_KEYS.privateKey);
    const created = (await request(url).post('/api/tickets').set('Cookie', cookie).send(ticketBody()).expect(201)).body as TicketJson;
    const edit = ticketBody();
    await request(url).put(`/api/tickets/${created.id}`).set('Cookie', cookie).send(edit).expect(200);

    await eventually(() => eventsOf(created.id).length >= 2, 'both events arrived');
    expect(eventsOf(created.id)).toEqual([
      {
        subject: Subjects.TicketCreated,
        data: { id: created.id, version: 0, title: created.title, price: created.price, userId },
        msgId: `ticket:created:${created.id}:0`,
      },
      {
        subject: Subjects.TicketUpdated,
        data: { id: created.id, version: 1, title: edit.title, price: edit.price, userId },
        msgId: `ticket:updated:${created.id}:1`,
      },
    ]);
  });

  it('when order:created and then order:cancelled are published on the broker, then the ticket is reserved and released, each with a ticket:updated', async () => {
    const cookie = createSessionCookie({ id: newId(), email: 'seller@example.com' }, SESSION_KEYS.privateKey);
    const ticket = (await request(url).post('/api/tickets').set('Cookie', cookie).send(ticketBody()).expect(201)).body as TicketJson;
    const order: OrderCreatedEvent['data'] = {
      id: newId(),
      version: 0,
      status: OrderStatus.Created,
      userId: newId(),
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
      ticket: { id: ticket.id, price: ticket.price, reservation: 1 },
    };

    await broker.publish(Subjects.OrderCreated, order, { msgId: eventMessageId(Subjects.OrderCreated, order) });

    await eventually(
      async () => ((await request(url).get(`/api/tickets/${ticket.id}`)).body as TicketJson).orderId === order.id,
      'the ticket is reserved',
    );
    expect((await request(url).get(`/api/tickets/${ticket.id}`).expect(200)).body).toEqual({ ...ticket, orderId: order.id, version: 1 });
    const listed = (await request(url).get('/api/tickets').expect(200)).body as TicketJson[];
    expect(listed.map((t) => t.id)).not.toContain(ticket.id);
    await eventually(() => eventsOf(ticket.id).length >= 2, 'the reservation was published');
    expect(eventsOf(ticket.id)[1]).toEqual({
      subject: Subjects.TicketUpdated,
      data: { id: ticket.id, version: 1, title: ticket.title, price: ticket.price, userId: ticket.userId, orderId: order.id },
      msgId: `ticket:updated:${ticket.id}:1`,
    });
    await request(url).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody()).expect(400);

    const cancelled: OrderCancelledEvent['data'] = { id: order.id, version: 1, ticket: { id: ticket.id, reservation: 1 } };
    await broker.publish(Subjects.OrderCancelled, cancelled, { msgId: eventMessageId(Subjects.OrderCancelled, cancelled) });

    await eventually(() => eventsOf(ticket.id).length >= 3, 'the release was published');
    expect(
      eventsOf(ticket.id).map((event) => [event.subject, event.data.version, (event.data as TicketUpdatedEvent['data']).orderId]),
    ).toEqual([
      [Subjects.TicketCreated, 0, undefined],
      [Subjects.TicketUpdated, 1, order.id],
      [Subjects.TicketUpdated, 2, undefined],
    ]);
    expect((await request(url).get(`/api/tickets/${ticket.id}`).expect(200)).body).toEqual({ ...ticket, version: 2 });
    const relisted = (await request(url).get('/api/tickets').expect(200)).body as TicketJson[];
    expect(relisted.map((t) => t.id)).toContain(ticket.id);
  });

  it('when the owner sends ten edits at once, then the broker receives ticket:updated versions 1..10 in order, each once', async () => {
    const cookie = createSessionCookie({ id: newId(), email: 'seller@example.com' }, SESSION_KEYS.privateKey);
    const ticket = (await request(url).post('/api/tickets').set('Cookie', cookie).send(ticketBody()).expect(201)).body as TicketJson;

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => request(url).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(ticketBody())),
    );

    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    await eventually(() => eventsOf(ticket.id).length >= 11, 'every edit was published');
    expect(eventsOf(ticket.id).map((event) => event.data.version)).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  // Last: it stops the service.
  it('when the service stops, then it stops listening and closes the broker connection and the database', async () => {
    expect(natsWrapper.isConnected()).toBe(true);

    await service.stop();

    expect(natsWrapper.isConnected()).toBe(false);
    expect(mongoose.connection.readyState).toBe(mongoose.ConnectionStates.disconnected);
    await expect(request(url).get('/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
