import { randomBytes, scryptSync } from 'node:crypto';
import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { User } from '../../models/user';
import { sessionCookieFrom, signup, STRONG_PASSWORD, testApp, uniqueEmail } from '../../test/helpers';

useMongoose();
const app = testApp();

const INVALID_CREDENTIALS = { errors: [{ message: 'Invalid credentials' }] };

describe('POST /api/users/signin', () => {
  it('when the email does not exist, then 400 Invalid credentials', async () => {
    const response = await request(app).post('/api/users/signin').send({ email: uniqueEmail(), password: STRONG_PASSWORD }).expect(400);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the password is wrong, then 400 Invalid credentials', async () => {
    const { email } = await signup(app, { password: STRONG_PASSWORD });
    const response = await request(app).post('/api/users/signin').send({ email, password: 'wrong-password' }).expect(400);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the email is unknown or the password is wrong, then the answers are identical', async () => {
    const { email } = await signup(app);
    const unknown = await request(app).post('/api/users/signin').send({ email: uniqueEmail(), password: STRONG_PASSWORD });
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

  it('when the password was chosen with spaces, then only the exact password matches (never trimmed)', async () => {
    const user = await signup(app, { password: ' pass phrase 1234 ' });
    await request(app).post('/api/users/signin').send({ email: user.email, password: 'pass phrase 1234' }).expect(400);
    await request(app).post('/api/users/signin').send({ email: user.email, password: ' pass phrase 1234 ' }).expect(200);
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

describe('POST /api/users/signin with a hash of an older format', () => {
  it('when the stored hash is the old scrypt format (salt.hash hex), then signin works and the hash is replaced by a current one', async () => {
    const email = uniqueEmail();
    const salt = randomBytes(16);
    const legacy = `${salt.toString('hex')}.${scryptSync('old-pass', salt, 64).toString('hex')}`;
    await User.collection.insertOne({ email, password: legacy });
    await request(app).post('/api/users/signin').send({ email, password: 'old-pass' }).expect(200);
    const stored = await User.findOne({ email }).lean();
    expect(stored?.password).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
    await request(app).post('/api/users/signin').send({ email, password: 'old-pass' }).expect(200);
    await request(app).post('/api/users/signin').send({ email, password: 'old-pas' }).expect(400);
  });
});
