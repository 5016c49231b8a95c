import { createSessionCookie } from '@ticketing/common/http';
import request from 'supertest';
import { TEST_CONFIG, testApp } from '../test/helpers';

// Everything here is answered before any database call, so no database runs.
const app = testApp();

describe('auth app without a database', () => {
  it('when /healthz is called, then 200 ok', async () => {
    const response = await request(app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the database is not connected, then /readyz is 503 naming it', async () => {
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({ errors: [{ message: 'database is not ready' }] });
  });

  it('when signup has an invalid email, then 400 names the field', async () => {
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: 'not-an-email', password: 'a-long-passphrase' })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
  });

  it('when signup has a JSON object as email (operator injection), then 400 in the error shape and no cookie', async () => {
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: { $gt: '' }, password: 'x' })
      .expect(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Email must be valid', field: 'email' },
        { message: 'Password must be between 8 and 128 characters', field: 'password' },
      ],
    });
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the body is malformed JSON, then 400 in the error shape', async () => {
    const response = await request(app)
      .post('/api/users/signin')
      .set('Content-Type', 'application/json')
      .send('{"email":"a@b.com","password":')
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed JSON body' }] });
  });

  it('when the route is unknown, then 404 in the error shape', async () => {
    const response = await request(app).get('/api/users/nobody').expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });

  it('when a validly signed session cookie arrives and the session store is down, then signed out (fail closed), never a 500', async () => {
    const cookie = createSessionCookie({ id: 'u-1', email: 'u1@example.com' }, TEST_CONFIG.JWT_PRIVATE_KEY, TEST_CONFIG.JWT_TTL);
    const response = await request(app).get('/api/users/currentuser').set('Cookie', cookie).expect(200);
    expect(response.body).toEqual({ currentUser: null });
  });
});
