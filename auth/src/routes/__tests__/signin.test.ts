import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { User } from '../../models/user';
import { legacyScryptHash, scryptHash, sessionCookieFrom, signup, STRONG_PASSWORD, testApp, uniqueEmail } from '../../test/helpers';

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
    expect(response.get('Set-Cookie')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^session=[^;]+;.*httponly/), expect.stringMatching(/^device=[^;]+;/)]),
    );
    expect(response.get('Set-Cookie')).toHaveLength(2);
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

describe('POST /api/users/signin with a hash made before argon2id', () => {
  it.each([
    ['scrypt with stored parameters ($scrypt$)', scryptHash],
    ['the oldest scrypt format (salt.hash hex)', legacyScryptHash],
  ])('when the stored hash is %s, then signin works and the hash is replaced by an argon2id one', async (_label, makeHash) => {
    const email = uniqueEmail();
    await User.collection.insertOne({ email, password: makeHash('old-pass-1') });
    await request(app).post('/api/users/signin').send({ email, password: 'old-pass-1' }).expect(200);
    const stored = await User.findOne({ email }).lean();
    expect(stored?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await request(app).post('/api/users/signin').send({ email, password: 'old-pass-1' }).expect(200);
    await request(app).post('/api/users/signin').send({ email, password: 'old-pass-' }).expect(400);
  });

  it('when the password is wrong for a scrypt hash, then 400 and the hash stays as it was', async () => {
    const email = uniqueEmail();
    const old = scryptHash('old-pass-1');
    await User.collection.insertOne({ email, password: old });
    const response = await request(app).post('/api/users/signin').send({ email, password: 'old-pass-2' }).expect(400);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
    expect((await User.findOne({ email }).lean())?.password).toBe(old);
  });

  it('when the argon2id hash is weaker than the current parameters, then a successful signin stores one with the current ones', async () => {
    const weakApp = testApp({ PASSWORD_ARGON2_MEMORY_KIB: 19_456, PASSWORD_ARGON2_TIME_COST: 2 });
    const { email, password } = await signup(weakApp);
    // Hashing parameters are process-wide: the app built last sets them, so the default app is rebuilt after.
    try {
      const strongApp = testApp({ PASSWORD_ARGON2_TIME_COST: 3 });
      await request(strongApp).post('/api/users/signin').send({ email, password }).expect(200);
      expect((await User.findOne({ email }).lean())?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    } finally {
      testApp();
    }
  });
});
