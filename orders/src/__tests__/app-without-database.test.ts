import jwt from 'jsonwebtoken';
import request from 'supertest';
import { newId, testApp } from '../test/helpers';

jest.mock('../nats-wrapper');

// Everything here is answered before any database call, so no database runs.
const app = testApp();

describe('orders app without a database', () => {
  it('when /healthz is called, then 200 ok', async () => {
    await request(app).get('/healthz').expect(200);
  });

  it('when the database is not connected, then /readyz is 503 naming it', async () => {
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({ errors: [{ message: 'database is not ready' }] });
  });

  it.each([
    ['POST', '/api/orders'],
    ['GET', '/api/orders'],
    ['GET', '/api/orders/:id'],
    ['DELETE', '/api/orders/:id'],
  ])('when %s %s is called signed out, then 401', async (method, route) => {
    const path = route.replace(':id', newId());
    const response = await request(app)[method.toLowerCase() as 'get' | 'post' | 'delete'](path).expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('when the session token was signed with another key, then 401 (not signed in), never 500', async () => {
    const session = { jwt: jwt.sign({ id: newId(), email: 'a@b.com' }, 'another-key', { expiresIn: 60 }) };
    const cookie = `session=${Buffer.from(JSON.stringify(session)).toString('base64')}`;
    await request(app).get('/api/orders').set('Cookie', cookie).expect(401);
  });
});
