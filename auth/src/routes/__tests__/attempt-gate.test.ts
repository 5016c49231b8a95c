import { Writable } from 'node:stream';
import { useMongoose } from '@ticketing/testkit';
import pino from 'pino';
import request from 'supertest';
import { Session } from '../../models/session';
import { ThrottleCounter } from '../../models/throttle';
import { deviceCookieFrom, signup, STRONG_PASSWORD, TEST_CONFIG, testApp, uniqueEmail } from '../../test/helpers';
import { createApp } from '../../app';

useMongoose();

const TOO_MANY = { errors: [{ message: 'Too many attempts; try again later' }] };
const FLOODER = '203.0.113.50';
// Two attempts per second per address (or per device), so a test can use them up at once.
const app = testApp({ THROTTLE_IP_BURST: 2 });
const setup = testApp();

function signinFrom(ip: string, body: { email: string; password: string }, cookie?: string, to = app): request.Test {
  const req = request(to).post('/api/users/signin').set('X-Forwarded-For', ip);
  return (cookie ? req.set('Cookie', cookie) : req).send(body);
}

/** Uses up the address's burst for this second with wrong passwords. */
async function useUpBurst(ip: string, to = app): Promise<void> {
  const responses = await Promise.all(
    Array.from({ length: 4 }, () => signinFrom(ip, { email: uniqueEmail(), password: 'wrong-password' }, undefined, to)),
  );
  expect(responses.some((response) => response.status === 429)).toBe(true);
}

/** A user signed up (from another address) and the device cookie their browser got. */
async function knownUser(): Promise<{ email: string; device: string }> {
  const response = await request(setup).post('/api/users/signup').send({ email: uniqueEmail(), password: STRONG_PASSWORD }).expect(201);
  return { email: (response.body as { email: string }).email, device: deviceCookieFrom(response) };
}

describe('the flood gate in front of signin and signup', () => {
  it('when an address is over its burst, then 429 in the error shape with Retry-After, before its body is even parsed', async () => {
    await useUpBurst(FLOODER);
    const response = await request(app)
      .post('/api/users/signin')
      .set('X-Forwarded-For', FLOODER)
      .set('Content-Type', 'application/json')
      .send('{"email": not json')
      .expect(429);
    expect(response.body).toEqual(TOO_MANY);
    expect(response.get('Retry-After')).toBe('1');
    expect(response.get('Cache-Control')).toBe('no-store');
    expect(response.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it.each(['/api/users/signin/', '/API/Users/SignIn', '/api/users/signup/'])(
    'when an address over its burst sends to %s (a spelling Express routes the same), then the gate refuses it too',
    async (path) => {
      await useUpBurst(FLOODER);
      const response = await request(app)
        .post(path)
        .set('X-Forwarded-For', FLOODER)
        .set('Content-Type', 'application/json')
        .send('{"email": not json')
        .expect(429);
      expect(response.body).toEqual(TOO_MANY);
    },
  );

  it('when an address floods, then its refusals are summarised in one log line, not one line each', async () => {
    const lines: Array<{ msg: string; refused?: number }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const logged = createApp({ ...TEST_CONFIG, THROTTLE_IP_BURST: 1 }, { logger: pino(sink) });
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => signinFrom(FLOODER, { email: uniqueEmail(), password: 'wrong-password' }, undefined, logged)),
    );
    const refused = responses.filter((response) => response.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(10);
    const summaries = lines.filter((line) => line.msg === 'Signin attempts refused by the flood gate');
    expect(summaries).toHaveLength(1);
    // By status: a request id may contain the digits 429.
    const completed = lines as Array<{ msg: string; res?: { statusCode?: number } }>;
    expect(completed.filter((line) => line.msg === 'request completed' && line.res?.statusCode === 429)).toHaveLength(0);
  });

  it('when a known device signs in to its account from a flooding address, then it is let through, signed in, and its IP is not charged', async () => {
    const user = await knownUser();
    await useUpBurst(FLOODER);
    const ipPoints = (await ThrottleCounter.findOne({ key: `ip:${FLOODER}` }).lean())?.points;

    const response = await signinFrom(FLOODER, { email: user.email, password: STRONG_PASSWORD }, user.device).expect(200);

    expect(response.body).toEqual({ id: expect.any(String), email: user.email });
    expect(deviceCookieFrom(response)).toMatch(/^device=v1\./);
    expect((await ThrottleCounter.findOne({ key: `ip:${FLOODER}` }).lean())?.points).toBe(ipPoints);
  });

  it('when a device cookie of another account, or a forged one, comes from a flooding address, then it gives no exemption: counted as an attempt of the address, or refused with the flood', async () => {
    const user = await knownUser();
    const other = await knownUser();
    await useUpBurst(FLOODER);
    // The other account's cookie passes the gate (it is genuine) but gives no exemption for this account:
    // the attempt is counted as the address's and checked like any other.
    const withOthers = await signinFrom(FLOODER, { email: user.email, password: 'wrong-password' }, other.device);
    expect(withOthers.status).toBe(400);
    expect(await ThrottleCounter.findOne({ key: `device:${other.device}` }).lean()).toBeNull();
    const forged = `device=${user.device.slice('device='.length, -3)}AAA`;
    // Used up again: the burst is per second, and the attempt above (a password check) may outlast it.
    await useUpBurst(FLOODER);
    const withForged = await signinFrom(FLOODER, { email: user.email, password: STRONG_PASSWORD }, forged).expect(429);
    expect(withForged.body).toEqual(TOO_MANY);
  });

  it('when signups flood from one address, then a device cookie does not let them past the burst', async () => {
    const user = await knownUser();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(app)
          .post('/api/users/signup')
          .set('X-Forwarded-For', FLOODER)
          .set('Cookie', user.device)
          .send({ email: uniqueEmail(), password: STRONG_PASSWORD }),
      ),
    );
    expect(responses.filter((response) => response.status === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('when the hashing queue is full of unknown clients, then a known device still signs in', async () => {
    const user = await knownUser();
    const crowded = testApp({ PASSWORD_HASH_CONCURRENCY: 1, PASSWORD_HASH_QUEUE: 2, PASSWORD_HASH_QUEUE_PER_CLIENT: 1 });
    const flood = Array.from({ length: 10 }, (_, i) =>
      signinFrom(`10.9.0.${i + 1}`, { email: uniqueEmail(), password: 'wrong-password' }, undefined, crowded),
    );
    const sessionsBefore = await Session.countDocuments();
    // Once the flood's requests are queued, the known user and an unknown user at a new address arrive.
    const [known, unknown, ...flooded] = await Promise.all([
      new Promise((resolve) => setTimeout(resolve, 30)).then(() =>
        signinFrom('192.0.2.77', { email: user.email, password: STRONG_PASSWORD }, user.device, crowded),
      ),
      new Promise((resolve) => setTimeout(resolve, 30)).then(() =>
        signinFrom('192.0.2.78', { email: user.email, password: STRONG_PASSWORD }, undefined, crowded),
      ),
      ...flood,
    ]);
    expect(flooded.filter((response) => response.status === 429).length).toBeGreaterThanOrEqual(1);
    expect(known.status).toBe(200);
    // Without the device cookie, the same user at that moment is one of the crowd.
    expect([200, 429]).toContain(unknown.status);
    expect(await Session.countDocuments()).toBeGreaterThan(sessionsBefore);
  });

  it('when cookies are Secure, then the device cookie is __Host-device, Secure, HttpOnly, SameSite=Strict, path /', async () => {
    const secure = testApp({ COOKIE_SECURE: true });
    const response = await request(secure)
      .post('/api/users/signup')
      .set('X-Forwarded-Proto', 'https')
      .send({ email: uniqueEmail(), password: STRONG_PASSWORD })
      .expect(201);
    const device = (response.get('Set-Cookie') ?? []).find((cookie) => cookie.startsWith('__Host-device='));
    expect(device).toBeDefined();
    expect(device).toMatch(/; Path=\/;/);
    expect(device).toMatch(/; HttpOnly/);
    expect(device).toMatch(/; Secure/);
    expect(device).toMatch(/; SameSite=Strict/);
    expect(device).not.toMatch(/Domain=/i);
  });

  it('when a new user signs up, then signin for that account from another browser is not exempt', async () => {
    const { email } = await signup(setup);
    await useUpBurst(FLOODER);
    await signinFrom(FLOODER, { email, password: STRONG_PASSWORD }).expect(429);
  });
});
