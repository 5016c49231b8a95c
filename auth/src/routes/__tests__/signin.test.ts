import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { sessionCookieFrom, signup, testApp, uniqueEmail } from '../../test/helpers';

useMongoose();
const app = testApp();

const INVALID_CREDENTIALS = { errors: [{ message: 'Invalid credentials' }] };

describe('POST /api/users/signin', () => {
  it('when the email does not exist, then 400 Invalid credentials', async () => {
    const response = await request(app).post('/api/users/signin').send({ email: uniqueEmail(), password: 'password' }).expect(400);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the password is wrong, then 400 Invalid credentials', async () => {
    const { email } = await signup(app, { password: 'password' });
    const response = await request(app).post('/api/users/signin').send({ email, password: 'wrong-password' }).expect(400);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the email is unknown or the password is wrong, then the answers are identical', async () => {
    const { email } = await signup(app);
    const unknown = await request(app).post('/api/users/signin').send({ email: uniqueEmail(), password: 'password' });
    const wrong = await request(app).post('/api/users/signin').send({ email, password: 'not-the-password' });
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('when the credentials are valid, then 200 with {id, email} and a session cookie', async () => {
    const user = await signup(app);
    const response = await request(app).post('/api/users/signin').send({ email: user.email, password: user.password }).expect(200);
    expect(response.body).toEqual({ id: user.id, email: user.email });
    expect(response.get('Set-Cookie')).toEqual([expect.stringMatching(/^session=[^;]+;.*httponly/)]);
    const me = await request(app).get('/api/users/currentuser').set('Cookie', sessionCookieFrom(response)).expect(200);
    expect((me.body as { currentUser: { id: string } }).currentUser.id).toBe(user.id);
  });

  it('when the email differs only in case, then signin succeeds', async () => {
    const local = uniqueEmail().split('@')[0];
    const user = await signup(app, { email: `${local.toUpperCase()}@x.com` });
    const response = await request(app)
      .post('/api/users/signin')
      .send({ email: `${local}@X.COM`, password: user.password })
      .expect(200);
    expect(response.body).toEqual({ id: user.id, email: `${local}@x.com` });
  });

  it('when the password is padded with spaces, then it matches the trimmed one chosen at signup', async () => {
    const user = await signup(app, { password: ' pass1234 ' });
    await request(app).post('/api/users/signin').send({ email: user.email, password: 'pass1234' }).expect(200);
  });

  it('when the email or password is missing, then 400 naming the field', async () => {
    const response = await request(app).post('/api/users/signin').send({}).expect(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Email must be valid', field: 'email' },
        { message: 'You must supply a password', field: 'password' },
      ],
    });
  });

  it('when the email is a query operator object, then 400 and nobody is signed in', async () => {
    await signup(app);
    const response = await request(app)
      .post('/api/users/signin')
      .send({ email: { $gt: '' }, password: 'x' })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the password is a query operator object, then 400', async () => {
    const { email } = await signup(app);
    const response = await request(app)
      .post('/api/users/signin')
      .send({ email, password: { $ne: null } })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'You must supply a password', field: 'password' }] });
    expect(response.get('Set-Cookie')).toBeUndefined();
  });
});
