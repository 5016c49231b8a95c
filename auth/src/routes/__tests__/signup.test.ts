import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { User } from '../../models/user';
import { sessionCookieFrom, signup, STRONG_PASSWORD, testApp, uniqueEmail } from '../../test/helpers';

useMongoose();
const app = testApp();

describe('POST /api/users/signup', () => {
  it('when the email and password are valid, then 201 with {id, email}', async () => {
    const email = uniqueEmail();
    const response = await request(app).post('/api/users/signup').send({ email, password: STRONG_PASSWORD }).expect(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), email });
  });

  it('when signup succeeds, then it sets an httpOnly session cookie', async () => {
    const response = await request(app).post('/api/users/signup').send({ email: uniqueEmail(), password: STRONG_PASSWORD }).expect(201);
    expect(response.get('Set-Cookie')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^session=[^;]+;.*httponly/), expect.stringMatching(/^device=[^;]+;/)]),
    );
    expect(response.get('Set-Cookie')).toHaveLength(2);
  });

  it('when the email is invalid, then 400', async () => {
    const response = await request(app).post('/api/users/signup').send({ email: 'alskdflaskjfd', password: STRONG_PASSWORD }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
  });

  it.each([
    ['too short (7 characters)', 'k7#qZp2'],
    ['too long (129 characters)', 'x'.repeat(129)],
    ['8 characters counting emoji as 2 each', '😀😀😀😀'],
    ['not a string', 12345],
  ])('when the password is %s, then 400', async (_label, password) => {
    const response = await request(app).post('/api/users/signup').send({ email: uniqueEmail(), password }).expect(400);
    expect(response.body).toEqual({
      errors: [{ message: 'Password must be between 8 and 128 characters', field: 'password' }],
    });
  });

  it('when the email or password is missing, then 400 naming the missing field', async () => {
    const noPassword = await request(app).post('/api/users/signup').send({ email: uniqueEmail() }).expect(400);
    expect(noPassword.body).toEqual({ errors: [{ message: 'Password must be between 8 and 128 characters', field: 'password' }] });
    const noEmail = await request(app).post('/api/users/signup').send({ password: STRONG_PASSWORD }).expect(400);
    expect(noEmail.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
    const nothing = await request(app).post('/api/users/signup').send({}).expect(400);
    expect((nothing.body as { errors: unknown[] }).errors).toHaveLength(2);
  });

  it('when the email is already taken, then 400 Email in use and no cookie', async () => {
    const { email } = await signup(app);
    const response = await request(app).post('/api/users/signup').send({ email, password: STRONG_PASSWORD }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email in use' }] });
    expect(response.get('Set-Cookie')).toBeUndefined();
  });

  it('when the email is taken in another case, then 400 Email in use', async () => {
    const local = uniqueEmail().split('@')[0];
    await signup(app, { email: `${local}@Example.com` });
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: `  ${local.toUpperCase()}@EXAMPLE.COM `, password: STRONG_PASSWORD })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email in use' }] });
  });

  it('when the email has capitals and spaces, then it is stored trimmed and lower-case', async () => {
    const local = uniqueEmail().split('@')[0];
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: ` ${local.toUpperCase()}@Example.COM `, password: STRONG_PASSWORD })
      .expect(201);
    expect((response.body as { email: string }).email).toBe(`${local}@example.com`);
  });

  it('when ten signups with one email race, then exactly one succeeds and one user exists', async () => {
    const email = uniqueEmail();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => request(app).post('/api/users/signup').send({ email, password: STRONG_PASSWORD })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body).toEqual({ errors: [{ message: 'Email in use' }] });
    }
    expect(await User.countDocuments({ email })).toBe(1);
  });

  it('when the email is a query operator object, then 400 and no user is created', async () => {
    await signup(app);
    const before = await User.countDocuments();
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: { $gt: '' }, password: STRONG_PASSWORD })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
    expect(await User.countDocuments()).toBe(before);
  });

  it('when the body is malformed JSON, then 400 in the error shape and no user is created', async () => {
    const before = await User.countDocuments();
    const response = await request(app)
      .post('/api/users/signup')
      .set('Content-Type', 'application/json')
      .send(`{"email":"${uniqueEmail()}","password":"a-long-passphrase"`)
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed JSON body' }] });
    expect(await User.countDocuments()).toBe(before);
  });

  it('when signed up, then the stored password is a salted hash, not the plain text', async () => {
    const { email } = await signup(app, { password: 'plain-secret' });
    const stored = await User.findOne({ email }).lean();
    expect(stored?.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(stored?.password).not.toContain('plain-secret');
  });

  it.each([
    ['8 characters', 'k7#qZp2w'],
    ['128 characters', 'Zq9'.repeat(42) + 'ab'],
    ['spaces kept as typed', '  padded phrase  '],
  ])('when the password is %s, then it is accepted and stored as typed (never trimmed)', async (_label, password) => {
    const { email } = await signup(app, { password });
    await request(app).post('/api/users/signin').send({ email, password }).expect(200);
    if (password !== password.trim()) await request(app).post('/api/users/signin').send({ email, password: password.trim() }).expect(400);
  });

  it.each(['password', 'PASSWORD1', 'iloveyou', '12345678', 'qwertyuiop', 'Baseball1'])(
    'when the password is the common or breached %s, then 400 Password is too common',
    async (password) => {
      const response = await request(app).post('/api/users/signup').send({ email: uniqueEmail(), password }).expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'Password is too common; choose another', field: 'password' }] });
    },
  );

  it('when the database fails unexpectedly, then 500 with no stack or internal message', async () => {
    const failure = jest.spyOn(User, 'exists').mockImplementationOnce(() => {
      throw new Error('E_INTERNAL replica auth-mongo-0 unreachable');
    });
    try {
      const response = await request(app).post('/api/users/signup').send({ email: uniqueEmail(), password: STRONG_PASSWORD }).expect(500);
      expect(response.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
      expect(response.text).not.toMatch(/E_INTERNAL|auth-mongo-0|\bat\s.+:\d+:\d+/);
      expect(response.get('Set-Cookie')).toBeUndefined();
    } finally {
      failure.mockRestore();
    }
  });

  it('when the session cookie from signup is sent back, then currentuser is that user', async () => {
    const email = uniqueEmail();
    const response = await request(app).post('/api/users/signup').send({ email, password: STRONG_PASSWORD }).expect(201);
    const me = await request(app).get('/api/users/currentuser').set('Cookie', sessionCookieFrom(response)).expect(200);
    expect(me.body).toEqual({
      currentUser: { id: (response.body as { id: string }).id, email, iat: expect.any(Number), exp: expect.any(Number) },
    });
  });
});
