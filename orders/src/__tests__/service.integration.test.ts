// The service's real wiring (MongoDB, listeners, outbox relay, expiry sweeper, HTTP) against a real
// nats-server with JetStream: events cross the broker in both directions.
import { createSessionCookie, RunningService, startService } from '@ticketing/common/http';
import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus, Subjects } from '@ticketing/common/contracts';
import { createTransport, EventMessage, Transport } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';
import {
  mongoUriWithDatabase,
  startMongo,
  startNats,
  uniqueDatabaseName,
  type NatsServerHandle,
  type TestMongo,
  eventually,
} from '@ticketing/testkit';
import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import { loadConfig, OrdersConfig } from '../config';
import { Order } from '../models/order';
import { Ticket } from '../models/ticket';
import { ordersService } from '../service';
import { newId, SESSION_KEYS, useFakeAuth } from '../test/helpers';

type OrderEvent = OrderCreatedEvent | OrderCancelledEvent;

/** Another service's view of the broker: records order events as a queue group of its own. */
class OrderEventsObserver<E extends OrderEvent> extends Listener<E> {
  readonly queueGroupName = 'orders-integration-observer';
  readonly received: E['data'][] = [];

  constructor(
    client: Transport,
    readonly subject: E['subject'],
  ) {
    super(client);
  }

  onMessage(data: E['data'], msg: EventMessage): void {
    this.received.push(data);
    msg.ack();
  }
}

let nats: NatsServerHandle;
let ownMongo: TestMongo | undefined;
let mongoUri: string;
let service: RunningService<OrdersConfig> | undefined;
let broker: Transport;
let created: OrderEventsObserver<OrderCreatedEvent>;
let cancelled: OrderEventsObserver<OrderCancelledEvent>;

function start(): Promise<RunningService<OrdersConfig>> {
  return startService(
    ordersService({
      // PORT 0 (any free port) is not a valid PORT variable, so it is set after validation.
      loadConfig: () => ({
        ...loadConfig({
          JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
          AUTH_URL: fakeAuth.url,
          MONGO_URI: mongoUri,
          NATS_URL: nats.url,
          NATS_CLIENT_ID: 'orders-integration',
          COOKIE_SECURE: 'false',
          LOG_LEVEL: 'silent',
          EXPIRATION_WINDOW_SECONDS: '1',
          EXPIRATION_SWEEP_INTERVAL_MS: '100',
        }),
        PORT: 0,
      }),
    }),
  );
}

/** The seller's user id: an ObjectId, as the event schemas require. */
const SELLER_ID = '5f0c1a2b3c4d5e6f7a8b9c0d';

function publishTicket(
  subject: Subjects.TicketCreated | Subjects.TicketUpdated,
  data: { id: string; version: number; title: string; price: number },
) {
  return broker.publish(subject, { ...data, userId: SELLER_ID }, { msgId: `${subject}:${data.id}:${data.version}` });
}

const fakeAuth = useFakeAuth();

beforeAll(async () => {
  nats = await startNats();
  let base = process.env.TEST_MONGO_URI;
  if (!base) {
    ownMongo = await startMongo();
    base = ownMongo.uri;
  }
  mongoUri = mongoUriWithDatabase(base, uniqueDatabaseName('orders_it'));
  service = await start();
  broker = await createTransport({ NATS_URL: nats.url }, { connectTimeoutMs: 5_000 });
  created = new OrderEventsObserver<OrderCreatedEvent>(broker, Subjects.OrderCreated);
  cancelled = new OrderEventsObserver<OrderCancelledEvent>(broker, Subjects.OrderCancelled);
  await Promise.all([created.listen(), cancelled.listen()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([created?.close(), cancelled?.close()]);
  await broker?.close();
  await service?.stop();
  const connection = mongoose.createConnection(mongoUri);
  await connection.asPromise();
  await connection.dropDatabase();
  await connection.close();
  await nats?.stop();
  await ownMongo?.stop();
}, 60_000);

describe('orders service against a real nats-server', () => {
  it('when tickets publishes ticket:created and updates (one out of order), then the replica follows them in version order', async () => {
    const id = newId();
    await publishTicket(Subjects.TicketCreated, { id, version: 0, title: 'concert', price: 10 });
    await eventually(async () => (await Ticket.exists({ _id: id })) !== null, 'the replica ticket');

    // Version 2 reaches the listener before version 1: it is not acked and comes back after 1.
    await publishTicket(Subjects.TicketUpdated, { id, version: 2, title: 'concert', price: 30 });
    await publishTicket(Subjects.TicketUpdated, { id, version: 1, title: 'concert', price: 20 });

    await eventually(async () => (await Ticket.findById(id))?.version === 2, 'the replica at version 2');
    expect((await Ticket.findById(id))?.toJSON()).toEqual({ id, title: 'concert', price: 30, version: 2 });
  });

  it('when a user orders a replicated ticket, then order:created reaches the broker; when it expires, order:cancelled follows', async () => {
    const ticketId = newId();
    await publishTicket(Subjects.TicketCreated, { id: ticketId, version: 0, title: 'opera', price: 45 });
    await eventually(async () => (await Ticket.exists({ _id: ticketId })) !== null, 'the replica ticket');
    const userId = new Types.ObjectId().toHexString();
    const cookie = createSessionCookie({ id: userId, email: 'buyer@example.com' }, SESSION_KEYS.privateKey);

    const response = await request(`http://127.0.0.1:${service?.port}`)
      .post('/api/orders')
      .set('Cookie', cookie)
      .send({ ticketId })
      .expect(201);
    const order = response.body as { id: string; expiresAt: string };

    await eventually(() => created.received.some((event) => event.id === order.id), 'order:created on the broker');
    expect(created.received.find((event) => event.id === order.id)).toEqual({
      id: order.id,
      version: 0,
      status: OrderStatus.Created,
      userId,
      expiresAt: order.expiresAt,
      ticket: { id: ticketId, price: 45, reservation: 1 },
    });

    // The window is 1 s and the sweeper runs every 100 ms.
    await eventually(() => cancelled.received.some((event) => event.id === order.id), 'order:cancelled after expiry');
    expect(cancelled.received.filter((event) => event.id === order.id)).toEqual([
      { id: order.id, version: 1, ticket: { id: ticketId, reservation: 1 } },
    ]);
    const shown = await request(`http://127.0.0.1:${service?.port}`).get(`/api/orders/${order.id}`).set('Cookie', cookie).expect(200);
    expect(shown.body).toMatchObject({ status: 'cancelled', version: 1 });
  });

  it('when payments publishes payment:created for an order, then the service completes it (version + 1) and the sweeper leaves it', async () => {
    const ticketId = newId();
    await publishTicket(Subjects.TicketCreated, { id: ticketId, version: 0, title: 'ballet', price: 60 });
    await eventually(async () => (await Ticket.exists({ _id: ticketId })) !== null, 'the replica ticket');
    const cookie = createSessionCookie({ id: new Types.ObjectId().toHexString(), email: 'payer@example.com' }, SESSION_KEYS.privateKey);
    const response = await request(`http://127.0.0.1:${service?.port}`)
      .post('/api/orders')
      .set('Cookie', cookie)
      .send({ ticketId })
      .expect(201);
    const orderId = (response.body as { id: string }).id;

    const paymentId = newId();
    await broker.publish(
      Subjects.PaymentCreated,
      { id: paymentId, version: 0, orderId, stripeId: 'pi_test' },
      { msgId: `payment:created:${paymentId}:0` },
    );

    await eventually(async () => (await Order.findById(orderId))?.status === OrderStatus.Complete, 'the order to complete');
    expect(await Order.findById(orderId)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    // The window is 1 s and the sweeper runs every 100 ms: it never cancels the complete order.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await Order.findById(orderId)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(cancelled.received.filter((event) => event.id === orderId)).toEqual([]);
  });

  it('when an order expired while the service was down, then the restarted service cancels it', async () => {
    await service?.stop();
    service = undefined;

    // Written while no replica runs: only the database knows about it.
    const connection = mongoose.createConnection(mongoUri);
    await connection.asPromise();
    const orderId = new Types.ObjectId();
    const ticketId = new Types.ObjectId();
    await connection.collection('tickets').insertOne({ _id: ticketId, title: 'late', price: 5, version: 0, reservations: 1 });
    await connection.collection('orders').insertOne({
      _id: orderId,
      userId: 'someone',
      status: OrderStatus.Created,
      expiresAt: new Date(Date.now() - 60_000),
      ticket: { id: ticketId.toHexString(), title: 'late', price: 5, version: 0 },
      active: true,
      reservation: 1,
      version: 0,
    });
    await connection.close();

    service = await start();

    await eventually(() => cancelled.received.some((event) => event.id === orderId.toHexString()), 'order:cancelled after the restart');
    expect(await Order.findById(orderId)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });
});
