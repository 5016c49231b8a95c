import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { buildOrder, newId, signin, testApp, useLocalStripe } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useLocalStripe();

describe('GET /api/payments?orderId=', () => {
  it('when signed out, then 401', async () => {
    await request(testApp()).get(`/api/payments?orderId=${newId()}`).expect(401);
  });

  it('when orderId is missing or malformed, then 400 naming it', async () => {
    const { cookie } = signin();
    for (const query of ['', '?orderId=xyz', '?orderId[$gt]=a']) {
      const response = await request(testApp()).get(`/api/payments${query}`).set('Cookie', cookie);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('orderId');
    }
  });

  it('when the order was paid, then the buyer sees the payment and nobody else does', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id, price: 12.5 });
    const created = await request(testApp())
      .post('/api/payments')
      .set('Cookie', user.cookie)
      .send({ orderId: order.id, token: 'tok_visa' })
      .expect(201);

    const mine = await request(testApp()).get(`/api/payments?orderId=${order.id}`).set('Cookie', user.cookie).expect(200);
    const theirs = await request(testApp()).get(`/api/payments?orderId=${order.id}`).set('Cookie', signin().cookie).expect(200);

    expect(mine.body).toEqual([created.body]);
    expect(mine.body[0]).toMatchObject({ amount: 1250, status: 'succeeded' });
    expect(theirs.body).toEqual([]);
  });

  it('when the only attempt was declined, then the list is empty', async () => {
    const user = signin();
    const order = await buildOrder({ userId: user.id });
    await request(testApp())
      .post('/api/payments')
      .set('Cookie', user.cookie)
      .send({ orderId: order.id, token: 'tok_chargeDeclined' })
      .expect(402);
    const response = await request(testApp()).get(`/api/payments?orderId=${order.id}`).set('Cookie', user.cookie).expect(200);
    expect(response.body).toEqual([]);
  });
});
