import request from 'supertest';
import { Order } from '../../models/order';
import { buildOrder, buildTicket, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();
const MALFORMED = { errors: [{ message: 'Malformed URL parameter' }] };

describe('route parameters and ids that cannot be decoded or cast (orders)', () => {
  it.each([
    ['GET', '%zz', true],
    ['GET', '%E0%A4%A', true],
    ['GET', '%zz', false],
    ['DELETE', '%zz', true],
    ['DELETE', '%zz', false],
    ['DELETE', '%E0%A4%A', false],
  ])('when %s /api/orders/%s (signed in: %s), then 400 in the error shape, never a 500', async (method, raw, signedIn) => {
    const path = `/api/orders/${raw}`;
    const call = method === 'GET' ? request(app).get(path) : request(app).delete(path);
    if (signedIn) call.set('Cookie', signin().cookie);
    const response = await call;
    expect(response.status).toBe(400);
    expect(response.body).toEqual(MALFORMED);
  });

  it('when a DELETE with an undecodable id comes without a session, then no order changes', async () => {
    const order = await buildOrder();
    await request(app).delete('/api/orders/%zz').expect(400);
    expect((await Order.findById(order.id).orFail()).status).toBe(order.status);
  });

  it.each(['0x0000000000000000000000', '0x' + 'f'.repeat(22), ' '.repeat(24), 'abcdefghijkl'])(
    'when POST /api/orders has ticketId %j (isMongoId-like but not 24 hex digits), then 400 naming ticketId, never a CastError 500',
    async (ticketId) => {
      await buildTicket();
      const response = await request(app).post('/api/orders').set('Cookie', signin().cookie).send({ ticketId }).expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'TicketId must be a valid id', field: 'ticketId' }] });
    },
  );
});

describe('security headers (orders)', () => {
  it.each([
    ['GET /api/orders signed in', () => request(app).get('/api/orders').set('Cookie', signin().cookie)],
    ['GET /api/orders signed out (401)', () => request(app).get('/api/orders')],
  ])('when %s is answered, then nosniff, the CSP, no-referrer and Cache-Control no-store are set', async (_label, send) => {
    const response = await send();
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  });

  it('when a signed-in buyer reads an order, then the answer is not stored by caches', async () => {
    const { id: userId, cookie } = signin();
    const order = await buildOrder({ userId });
    const response = await request(app).get(`/api/orders/${order.id}`).set('Cookie', cookie).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });
});
