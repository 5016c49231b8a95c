// The service's real wiring (app, collections, listeners, outbox relay, reconciliation) against a real
// nats-server and the local Stripe-compatible server: no mocks here.
import { eventMessageId, OrderCreatedEvent, OrderStatus, PaymentCreatedEvent, Subjects } from '@ticketing/common/contracts';
import { Listener } from '@ticketing/common/events';
import { createSessionCookie, RunningService, startService } from '@ticketing/common/http';
import { createTransport, EventMessage, Transport } from '@ticketing/common/transport';
import { startLocalStripe, type LocalStripe } from '@ticketing/local-stack';
import {
  eventually,
  mongoUriWithDatabase,
  NatsServerHandle,
  startMongo,
  startNats,
  TestMongo,
  uniqueDatabaseName,
} from '@ticketing/testkit';
import mongoose from 'mongoose';
import request from 'supertest';
import { loadConfig, PaymentsConfig } from '../config';
import { paymentsService } from '../service';
import { newId, SESSION_KEYS, useFakeAuth } from '../test/helpers';

class PaymentProbe extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = 'test-probe';

  constructor(
    client: Transport,
    readonly seen: Array<{ data: PaymentCreatedEvent['data']; msgId: string | undefined }>,
  ) {
    super(client);
  }

  onMessage(data: PaymentCreatedEvent['data'], msg: EventMessage): void {
    this.seen.push({ data, msgId: msg.msgId });
    msg.ack();
  }
}

let nats: NatsServerHandle;
let stripe: LocalStripe;
let ownMongo: TestMongo | undefined;
let mongoUri: string;
let service: RunningService<PaymentsConfig>;
let broker: Transport;
let probe: PaymentProbe;
let url: string;
const seen: PaymentProbe['seen'] = [];

const fakeAuth = useFakeAuth();

beforeAll(async () => {
  nats = await startNats();
  stripe = await startLocalStripe();
  const base = process.env.TEST_MONGO_URI ?? (ownMongo = await startMongo()).uri;
  mongoUri = mongoUriWithDatabase(base, uniqueDatabaseName('payments_service'));
  service = await startService(
    paymentsService({
      loadConfig: () => ({
        ...loadConfig({
          JWT_PUBLIC_KEY: SESSION_KEYS.publicKey,
          AUTH_URL: fakeAuth.url,
          COOKIE_SECURE: 'false',
          MONGO_URI: mongoUri,
          NATS_URL: nats.url,
          NATS_CLIENT_ID: 'payments-test',
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_API_URL: stripe.url,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
        }),
        PORT: 0,
      }),
      transport: { connectTimeoutMs: 5_000, reconnectTimeWaitMs: 100 },
    }),
  );
  url = `http://127.0.0.1:${service.port}`;
  broker = await createTransport({ NATS_URL: nats.url }, { connectTimeoutMs: 5_000 });
  probe = new PaymentProbe(broker, seen);
  await probe.listen();
}, 60_000);

afterAll(async () => {
  await probe?.close();
  await broker?.close();
  await service?.stop();
  const connection = await mongoose.createConnection(mongoUri).asPromise();
  await connection.dropDatabase();
  await connection.close();
  await ownMongo?.stop();
  await stripe?.stop();
  await nats?.stop();
}, 60_000);

describe('the payments service with a real broker', () => {
  it('when the service runs, then /healthz and /readyz answer 200', async () => {
    await request(url).get('/healthz').expect(200);
    expect((await request(url).get('/readyz').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('when order:created comes in and the buyer pays, then payment:created goes out once, with the payment id and the intent', async () => {
    const userId = newId();
    const order: OrderCreatedEvent['data'] = {
      id: newId(),
      version: 0,
      status: OrderStatus.Created,
      userId,
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
      ticket: { id: newId(), price: 25.5, reservation: 1 },
    };
    await broker.publish(Subjects.OrderCreated, order, { msgId: eventMessageId(Subjects.OrderCreated, order) });
    const cookie = createSessionCookie({ id: userId, email: 'buyer@example.com' }, SESSION_KEYS.privateKey);

    const paid = await eventually(async () => {
      const response = await request(url).post('/api/payments').set('Cookie', cookie).send({ orderId: order.id, token: 'tok_visa' });
      return response.status === 201 ? (response.body as { id: string; stripeId: string; amount: number }) : undefined;
    }, 'the order reached the replica and was paid');

    expect(paid.amount).toBe(2550);
    await eventually(() => seen.some((event) => event.data.orderId === order.id), 'payment:created arrived');
    expect(seen.filter((event) => event.data.orderId === order.id)).toEqual([
      { data: { id: paid.id, version: 0, orderId: order.id, stripeId: paid.stripeId }, msgId: `payment:created:${paid.id}:0` },
    ]);
    expect(stripe.paymentIntents().filter((intent) => intent.metadata.orderId === order.id)).toHaveLength(1);
  });
});
