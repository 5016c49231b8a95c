// One trace from POST /api/tickets to the listener that applies ticket:created, across the outbox and
// the broker, on JetStream (a real nats-server) and on NATS Streaming (a loopback stand-in).
// Chosen approach: in Jest, with an in-memory exporter. Tracing starts before anything is patched, and
// the instrumentations are handed the modules as Jest loaded them (patchUnderJest): Jest's module
// registry bypasses the require hook they normally patch from.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import path from 'node:path';
import { startTracing } from '../start-tracing';
import { patchUnderJest, LoopbackStan } from './support';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'ticketing-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
patchUnderJest(new HttpInstrumentation());
patchUnderJest(new ExpressInstrumentation());
patchUnderJest(new MongoDBInstrumentation({ requireParentSpan: true }), path.dirname(require.resolve('mongoose')));

// Loaded once patched (the imports below run after the lines above: CommonJS keeps statement order).
import express from 'express';
import request from 'supertest';
import mongoose, { Schema, type Connection } from 'mongoose';
import pino from 'pino';
import { eventually, mongoUriWithDatabase, startNats, uniqueDatabaseName, type NatsServerHandle } from '@ticketing/testkit';
import { Subjects } from '../../contracts/subjects';
import type { TicketCreatedEvent } from '../../contracts/types';
import { Publisher } from '../../events/publisher';
import { Listener } from '../../events/listener';
import { EmbeddedOutbox } from '../../outbox/embedded-outbox';
import { Outbox } from '../../outbox/outbox';
import { OutboxRelay } from '../../outbox/outbox-relay';
import { Inbox } from '../../outbox/inbox';
import { createTransport } from '../../transport/create-transport';
import type { Transport } from '../../transport/transport';

const quiet = pino({ level: 'silent' });

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

const ticketModel = (connection: Connection) =>
  connection.models.Ticket ?? connection.model('Ticket', new Schema({ title: String, price: Number, userId: String }));

/**
 * The tickets side: POST /api/tickets writes the ticket and its event in one transaction (an Outbox),
 * or in one insert that carries the event (an EmbeddedOutbox, as the tickets service does).
 */
function ticketsApp(connection: Connection, outbox: Outbox | EmbeddedOutbox) {
  const Ticket = ticketModel(connection);
  const app = express();
  app.use(express.json());
  app.post('/api/tickets', async (req, res) => {
    if (outbox instanceof EmbeddedOutbox) {
      const _id = new mongoose.Types.ObjectId();
      const data = { id: _id.toHexString(), version: 0, title: req.body.title as string, price: req.body.price as number, userId: USER_ID };
      const pending = outbox.pending();
      await new TicketCreatedPublisher(pending).publish(data);
      await Ticket.collection.insertOne({
        _id,
        title: data.title,
        price: data.price,
        userId: USER_ID,
        ...outbox.insertFields(pending.events),
      });
      outbox.committed(_id, pending.events);
      res.status(201).json(data);
      return;
    }
    const ticket = await outbox.transaction(async (tx) => {
      const [doc] = await Ticket.create([{ title: req.body.title, price: req.body.price, userId: USER_ID }], { session: tx.session });
      const data = { id: doc._id.toHexString(), version: 0, title: doc.title as string, price: doc.price as number, userId: USER_ID };
      await new TicketCreatedPublisher(tx).publish(data);
      return data;
    });
    res.status(201).json(ticket);
  });
  return app;
}

/** The orders side: applies ticket:created to its replica once (inbox). */
class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = 'orders-service';
  constructor(
    client: Transport,
    private readonly inbox: Inbox,
    private readonly replica: mongoose.Model<{ _id: string; title: string }>,
  ) {
    super(client, { logger: quiet });
  }
  onMessage(data: TicketCreatedEvent['data']) {
    return this.inbox.handleOnce(this.queueGroupName, this.subject, data, async (tx) => {
      await this.replica.create([{ _id: data.id, title: data.title }], { session: tx.session });
    });
  }
}

const USER_ID = '64b7f0c2a1b2c3d4e5f60719';
let ticketsDb: Connection;
let ordersDb: Connection;
let nats: NatsServerHandle;

beforeAll(async () => {
  const base = process.env.TEST_MONGO_URI as string;
  ticketsDb = await mongoose.createConnection(mongoUriWithDatabase(base, uniqueDatabaseName())).asPromise();
  ordersDb = await mongoose.createConnection(mongoUriWithDatabase(base, uniqueDatabaseName())).asPromise();
  nats = await startNats();
}, 60_000);

afterAll(async () => {
  await Promise.all([ticketsDb, ordersDb].map(async (db) => db && (await db.dropDatabase(), await db.close())));
  await nats?.stop();
  await tracing.shutdown();
});

/** Runs the scenario over `connect`'s transports and returns the finished spans of its one trace. */
async function ticketWriteTrace(
  connect: () => Promise<Transport>,
  store: 'collection' | 'embedded' = 'collection',
): Promise<{ spans: ReadableSpan[]; replicaTitle: string }> {
  exporter.reset();
  const [ticketsBroker, ordersBroker] = [await connect(), await connect()];
  const ticketsOutbox = store === 'embedded' ? new EmbeddedOutbox(ticketModel(ticketsDb).collection) : new Outbox(ticketsDb);
  const ordersOutbox = new Outbox(ordersDb);
  const inbox = new Inbox(ordersOutbox);
  await Promise.all([ticketsOutbox.init(), ordersOutbox.init(), inbox.init()]);
  const replica = ordersDb.models.Replica ?? ordersDb.model('Replica', new Schema({ _id: String, title: String }));
  await replica.createCollection().catch(() => undefined);
  const listener = new TicketCreatedListener(ordersBroker, inbox, replica as mongoose.Model<{ _id: string; title: string }>);
  await listener.listen();
  const relay = new OutboxRelay(ticketsOutbox, ticketsBroker, { sweepIntervalMs: 100 });
  relay.start();
  try {
    const res = await request(ticketsApp(ticketsDb, ticketsOutbox)).post('/api/tickets').send({ title: 'concert', price: 20 }).expect(201);
    const id = (res.body as { id: string }).id;
    const applied = await eventually(() => replica.findById(id).lean<{ title: string }>(), 'orders to apply ticket:created', 15_000);
    await eventually(() => exporter.getFinishedSpans().some((s) => s.name === 'process ticket:created'), 'the consume span to end');
    const consume = exporter.getFinishedSpans().find((s) => s.name === 'process ticket:created') as ReadableSpan;
    return {
      spans: exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === consume.spanContext().traceId),
      replicaTitle: applied.title,
    };
  } finally {
    await relay.stop();
    await listener.close();
    await Promise.all([ticketsBroker.close(), ordersBroker.close()]);
  }
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name) as ReadableSpan;
const parentOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);

/** The chain from `span` up to the trace's root, by parent links. */
function ancestry(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan[] {
  const chain = [span];
  for (let parent = parentOf(spans, span); parent; parent = parentOf(spans, parent)) chain.push(parent);
  return chain;
}

function expectOneTraceFromTheRequest(spans: ReadableSpan[]): void {
  const publish = byName(spans, 'publish ticket:created');
  const consume = byName(spans, 'process ticket:created');
  // Across the broker: the consumer span is the child of the relay's publish span.
  expect(consume.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
  expect([publish.kind, consume.kind]).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER]);
  expect(consume.attributes).toMatchObject({
    'messaging.destination.name': 'ticket:created',
    'messaging.consumer.group.name': 'orders-service',
  });
  // Through the outbox: the publish span descends from the request that wrote the row (the test's
  // HTTP client span is the root: it sent the request's context to the server).
  const chain = ancestry(spans, consume);
  const server = chain.find((s) => s.kind === SpanKind.SERVER);
  expect(server?.attributes).toMatchObject({
    'http.request.method': 'POST',
    'http.route': '/api/tickets',
    'http.response.status_code': 201,
  });
  expect(chain.at(-1)?.parentSpanContext).toBeUndefined();
  // The listener's writes in orders' database are in the trace too, under the consume span.
  const ordersWrites = spans.filter((s) => s.instrumentationScope.name.includes('mongodb') && ancestry(spans, s).includes(consume));
  expect(ordersWrites.length).toBeGreaterThan(0);
}

describe('a ticket write and what it causes form one trace', () => {
  it('when a ticket is created over JetStream, then the request, the relay publish and orders applying ticket:created share one trace, parent to child', async () => {
    const { spans, replicaTitle } = await ticketWriteTrace(() =>
      createTransport({ NATS_URL: nats.url }, { logger: quiet, connectTimeoutMs: 5_000, publishTimeoutMs: 5_000 }),
    );

    expect(replicaTitle).toBe('concert');
    expectOneTraceFromTheRequest(spans);
  });

  it('when the ticket’s event is kept on the ticket (EmbeddedOutbox), then the request, the relay publish and orders applying it share one trace too', async () => {
    const { spans, replicaTitle } = await ticketWriteTrace(
      () => createTransport({ NATS_URL: nats.url }, { logger: quiet, connectTimeoutMs: 5_000, publishTimeoutMs: 5_000 }),
      'embedded',
    );

    expect(replicaTitle).toBe('concert');
    expectOneTraceFromTheRequest(spans);
  });

  it('when a ticket is created over NATS Streaming, then the trace context travels in an envelope and the listener applies the data inside it', async () => {
    const stan = new LoopbackStan();
    let clients = 0;
    const { spans, replicaTitle } = await ticketWriteTrace(() =>
      createTransport(
        {
          NATS_TRANSPORT: 'streaming',
          NATS_URL: 'nats://stan:4222',
          NATS_CLUSTER_ID: 'ticketing',
          NATS_CLIENT_ID: `client-${(clients += 1)}`,
        },
        { logger: quiet, stanConnect: stan.connect },
      ),
    );

    expect(replicaTitle).toBe('concert');
    expectOneTraceFromTheRequest(spans);
    const body = JSON.parse(stan.published[0].data) as { $traceContext: { traceparent: string }; data: { title: string } };
    expect(body.data.title).toBe('concert');
    expect(body.$traceContext.traceparent).toContain(byName(spans, 'publish ticket:created').spanContext().spanId);
  });
});
