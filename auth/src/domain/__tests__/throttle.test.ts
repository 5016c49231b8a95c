import { BadRequestError } from '@ticketing/common/http';
import { eventually, useMongoose } from '@ticketing/testkit';
import { ThrottleCounter } from '../../models/throttle';
import { TooManyAttemptsError } from '../hash-queue';
import { SigninThrottle } from '../throttle';

useMongoose();

const KEY = { ip: '203.0.113.1', email: 'someone@example.com' };
const fails = () => Promise.reject(new BadRequestError('Invalid credentials'));
const succeeds = () => Promise.resolve('signed in');

describe('SigninThrottle on MongoDB (rate-limiter-flexible)', () => {
  it('when the collection is created, then it has the unique key and TTL indexes the library relies on', async () => {
    const indexes = await ThrottleCounter.collection.indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { key: 1 }, unique: true }),
        expect.objectContaining({ key: { expire: -1 }, expireAfterSeconds: 0 }),
      ]),
    );
  });

  it('when an IP window has ended, then its counter starts again (the expired document is replaced)', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 2,
      ipWindowSeconds: 1,
      ipBurstPerSecond: 100,
      accountFailures: 100,
      accountBlockSeconds: 60,
    });
    await throttle.run(KEY, succeeds, { resetOnSuccess: true });
    await throttle.run(KEY, succeeds, { resetOnSuccess: true });
    await expect(throttle.run(KEY, succeeds, { resetOnSuccess: true })).rejects.toBeInstanceOf(TooManyAttemptsError);

    await expect(eventually(() => throttle.run(KEY, succeeds, { resetOnSuccess: true }), 'the next window', 5_000)).resolves.toBe(
      'signed in',
    );
    expect(await ThrottleCounter.countDocuments({ key: `ip:${KEY.ip}` })).toBe(1);
  });

  it('when the attempt fails with another error than a bad request, then it is not counted as a failure', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 60,
      ipBurstPerSecond: 100,
      accountFailures: 1,
      accountBlockSeconds: 60,
    });
    await expect(throttle.run(KEY, () => Promise.reject(new TooManyAttemptsError()), { resetOnSuccess: true })).rejects.toBeInstanceOf(
      TooManyAttemptsError,
    );
    await expect(throttle.run(KEY, succeeds, { resetOnSuccess: true })).resolves.toBe('signed in');
  });

  it('when the limit of failures is reached, then the block lasts the block duration and names it as Retry-After', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 60,
      ipBurstPerSecond: 100,
      accountFailures: 2,
      accountBlockSeconds: 3600,
    });
    await expect(throttle.run(KEY, fails, { resetOnSuccess: true })).rejects.toBeInstanceOf(BadRequestError);
    await expect(throttle.run(KEY, fails, { resetOnSuccess: true })).rejects.toBeInstanceOf(BadRequestError);
    const refused = await throttle.run(KEY, succeeds, { resetOnSuccess: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(3500);
  });

  it('when one IP starts more attempts in a second than its burst, then the extra are refused before the database counts them', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 60,
      ipBurstPerSecond: 3,
      accountFailures: 100,
      accountBlockSeconds: 60,
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => throttle.run(KEY, succeeds, { resetOnSuccess: true })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toEqual(expect.objectContaining({ statusCode: 429, retryAfterSeconds: 1 }));
    }
    expect((await ThrottleCounter.findOne({ key: `ip:${KEY.ip}` }).lean())?.points).toBe(3);
  });
});
