import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { Session } from '../../models/session';
import { ThrottleCounter } from '../../models/throttle';
import { User } from '../../models/user';
import { signup, STRONG_PASSWORD, testApp, uniqueEmail } from '../../test/helpers';

useMongoose();

const TOO_MANY = { errors: [{ message: 'Too many attempts; try again later' }] };
const LIMITS = {
  THROTTLE_IP_BURST: 1_000,
  THROTTLE_ACCOUNT_FAILURES: 3,
  THROTTLE_ACCOUNT_BLOCK: 600,
  THROTTLE_IP_ATTEMPTS: 1_000,
  THROTTLE_IP_WINDOW: 300,
};
const app = testApp(LIMITS);
// Signups that set the tests up come from an address of their own, so they count against no limit under test.
const setup = testApp();

const ATTACKER = '203.0.113.7';
const OTHER_IP = '198.51.100.20';

function signinFrom(ip: string, email: string, password: string, to = app): request.Test {
  return request(to).post('/api/users/signin').set('X-Forwarded-For', ip).send({ email, password });
}

async function failTimes(times: number, ip: string, email: string, to = app): Promise<void> {
  for (let i = 0; i < times; i += 1) await signinFrom(ip, email, 'wrong-password', to).expect(400);
}

describe('signin throttle per email and IP', () => {
  it('when one IP fails for one email as often as allowed, then the next signin is 429 with Retry-After, even with the right password, and signs nobody in', async () => {
    const { email } = await signup(setup);
    await failTimes(3, ATTACKER, email);
    const sessionsBefore = await Session.countDocuments();
    const hashBefore = (await User.findOne({ email }).lean())?.password;

    const response = await signinFrom(ATTACKER, email, STRONG_PASSWORD).expect(429);

    expect(response.body).toEqual(TOO_MANY);
    const retryAfter = Number(response.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(response.get('Set-Cookie')).toBeUndefined();
    expect(await Session.countDocuments()).toBe(sessionsBefore);
    expect((await User.findOne({ email }).lean())?.password).toBe(hashBefore);
  });

  it('when one fewer than the limit has failed, then a signin is still checked (400, not 429)', async () => {
    const { email } = await signup(setup);
    await failTimes(2, ATTACKER, email);
    await signinFrom(ATTACKER, email, 'wrong-password').expect(400);
  });

  it('when an email and IP pair is blocked, then that email from another IP and another email from that IP still sign in', async () => {
    const victim = await signup(setup);
    const neighbour = await signup(setup);
    await failTimes(3, ATTACKER, victim.email);
    await signinFrom(ATTACKER, victim.email, victim.password).expect(429);

    await signinFrom(OTHER_IP, victim.email, victim.password).expect(200);
    await signinFrom(ATTACKER, neighbour.email, neighbour.password).expect(200);
  });

  it('when a signin succeeds, then the failures before it are forgotten', async () => {
    const { email, password } = await signup(setup);
    await failTimes(2, ATTACKER, email);
    await signinFrom(ATTACKER, email, password).expect(200);
    await failTimes(2, ATTACKER, email);
    await signinFrom(ATTACKER, email, 'wrong-password').expect(400);
    await signinFrom(ATTACKER, email, password).expect(429);
  });

  it('when signup answers "Email in use", then that counts as a failure of the pair and signup is throttled too', async () => {
    const { email } = await signup(setup);
    for (let i = 0; i < 3; i += 1) {
      await request(app).post('/api/users/signup').set('X-Forwarded-For', ATTACKER).send({ email, password: STRONG_PASSWORD }).expect(400);
    }
    const response = await request(app)
      .post('/api/users/signup')
      .set('X-Forwarded-For', ATTACKER)
      .send({ email, password: STRONG_PASSWORD })
      .expect(429);
    expect(response.body).toEqual(TOO_MANY);
    expect(Number(response.get('Retry-After'))).toBeGreaterThan(0);
  });

  it('when two replicas share the database, then failures at either count against the same limit', async () => {
    const { email, password } = await signup(setup);
    const otherReplica = testApp(LIMITS);
    await failTimes(2, ATTACKER, email, app);
    await failTimes(1, ATTACKER, email, otherReplica);
    await signinFrom(ATTACKER, email, password, app).expect(429);
    await signinFrom(ATTACKER, email, password, otherReplica).expect(429);
    expect(await ThrottleCounter.countDocuments({ key: `account:${ATTACKER}|${email}` })).toBe(1);
  });
});

describe('signin and signup throttle per IP', () => {
  // A new app per test: a replica remembers an IP that went over its limit (in memory, until the window ends).
  let perIp = app;
  beforeEach(() => {
    perIp = testApp({ ...LIMITS, THROTTLE_IP_ATTEMPTS: 3, THROTTLE_IP_WINDOW: 120 });
  });

  it('when one IP has sent as many signins and signups as allowed, then the next of either is 429 with Retry-After and changes nothing', async () => {
    const { email, password } = await signup(setup);
    await request(perIp).post('/api/users/signup').set('X-Forwarded-For', ATTACKER).send({ email: uniqueEmail(), password }).expect(201);
    await signinFrom(ATTACKER, uniqueEmail(), password, perIp).expect(400);
    await signinFrom(ATTACKER, email, password, perIp).expect(200);

    const signin = await signinFrom(ATTACKER, email, password, perIp).expect(429);
    const newEmail = uniqueEmail();
    const signupResponse = await request(perIp)
      .post('/api/users/signup')
      .set('X-Forwarded-For', ATTACKER)
      .send({ email: newEmail, password })
      .expect(429);

    for (const response of [signin, signupResponse]) {
      expect(response.body).toEqual(TOO_MANY);
      expect(Number(response.get('Retry-After'))).toBeGreaterThan(100);
      expect(Number(response.get('Retry-After'))).toBeLessThanOrEqual(120);
      expect(response.get('Set-Cookie')).toBeUndefined();
    }
    expect(await User.countDocuments({ email: newEmail })).toBe(0);
  });

  it('when one IP is over its limit, then another IP is not, and the email’s own failure count is untouched', async () => {
    const { email, password } = await signup(setup);
    for (let i = 0; i < 3; i += 1) await signinFrom(ATTACKER, uniqueEmail(), 'wrong-password', perIp).expect(400);
    await signinFrom(ATTACKER, email, password, perIp).expect(429);
    await signinFrom(OTHER_IP, email, password, perIp).expect(200);
    expect(await ThrottleCounter.countDocuments({ key: `account:${ATTACKER}|${email}` })).toBe(0);
  });

  it('when a client sends its own X-Forwarded-For through the proxy, then the address the proxy appended is the one counted', async () => {
    const { email, password } = await signup(setup);
    for (let i = 0; i < 3; i += 1) {
      await signinFrom(`${OTHER_IP}, ${ATTACKER}`, uniqueEmail(), 'wrong-password', perIp).expect(400);
    }
    // A forged first entry does not make a new client: the proxy's entry (the last) is over its limit.
    await signinFrom(`192.0.2.99, ${ATTACKER}`, email, password, perIp).expect(429);
  });

  it('when a replica has seen an IP over its limit, then it refuses that IP without counting in the database', async () => {
    for (let i = 0; i < 4; i += 1) await signinFrom(ATTACKER, uniqueEmail(), 'wrong-password', perIp);
    const counted = await ThrottleCounter.findOne({ key: `ip:${ATTACKER}` }).lean();
    expect(counted?.points).toBe(4);
    for (let i = 0; i < 3; i += 1) await signinFrom(ATTACKER, uniqueEmail(), 'wrong-password', perIp).expect(429);
    expect((await ThrottleCounter.findOne({ key: `ip:${ATTACKER}` }).lean())?.points).toBe(4);
  });
});
