import request from 'supertest';
import { signin, testApp } from '../test/helpers';

jest.mock('../nats-wrapper');

// Everything here is answered before any database call, so no database runs.
const app = testApp();

describe('tickets app without a database', () => {
  it('when the database is not connected, then /readyz is 503 naming it', async () => {
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({ errors: [{ message: 'database is not ready' }] });
  });

  it('when the body is malformed JSON, then 400 in the error shape', async () => {
    const response = await request(app)
      .post('/api/tickets')
      .set('Cookie', signin().cookie)
      .set('Content-Type', 'application/json')
      .send('{"title":')
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed JSON body' }] });
  });

  it('when a PUT names a malformed id, then 404 before any lookup', async () => {
    await request(app).put('/api/tickets/not-an-id').set('Cookie', signin().cookie).send({ title: 'a', price: 1 }).expect(404);
  });

  it('when a PUT is signed out, then 401 before validation', async () => {
    await request(app).put('/api/tickets/not-an-id').send({}).expect(401);
  });
});
