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

  it('when one IP is screened more often in a second than its burst, then the extra are refused and the database counts nothing', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 60,
      ipBurstPerSecond: 3,
      accountFailures: 100,
      accountBlockSeconds: 60,
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => throttle.screen(KEY.ip)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toEqual(expect.objectContaining({ statusCode: 429, retryAfterSeconds: 1 }));
    }
    expect(await ThrottleCounter.countDocuments()).toBe(0);
  });

  it('when an IP has used up its window, then screen refuses it from memory with the rest of the window as Retry-After', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 2,
      ipWindowSeconds: 600,
      ipBurstPerSecond: 100,
      accountFailures: 100,
      accountBlockSeconds: 60,
    });
    for (let i = 0; i < 3; i += 1) await throttle.run(KEY, succeeds, { resetOnSuccess: true }).catch(() => undefined);
    const counted = (await ThrottleCounter.findOne({ key: `ip:${KEY.ip}` }).lean())?.points;

    const refused = await throttle.screen(KEY.ip).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(500);
    expect((await ThrottleCounter.findOne({ key: `ip:${KEY.ip}` }).lean())?.points).toBe(counted);
    await expect(throttle.screen('198.51.100.1')).resolves.toBeUndefined();
  });

  it('when a known device signs in, then its attempts count against neither its IP nor the email and IP pair', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 1,
      ipWindowSeconds: 600,
      ipBurstPerSecond: 100,
      accountFailures: 1,
      accountBlockSeconds: 60,
    });
    const known = { ...KEY, device: 'device-1' };
    await expect(throttle.screen(KEY.ip, 'device-1')).resolves.toBe('device-1');
    await expect(throttle.run(known, succeeds, { resetOnSuccess: true })).resolves.toBe('signed in');
    await expect(throttle.run(known, succeeds, { resetOnSuccess: true })).resolves.toBe('signed in');
    expect(await ThrottleCounter.findOne({ key: `ip:${KEY.ip}` }).lean()).toBeNull();
    await expect(throttle.run(KEY, fails, { resetOnSuccess: true })).rejects.toBeInstanceOf(BadRequestError);
    await expect(throttle.run(KEY, succeeds, { resetOnSuccess: true })).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(throttle.run(known, succeeds, { resetOnSuccess: true })).resolves.toBe('signed in');
  });

  it('when a known device fails as often as a pair may, then it is locked: refused at run, and screened as an unknown device', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 600,
      ipBurstPerSecond: 100,
      accountFailures: 2,
      accountBlockSeconds: 600,
    });
    const known = { ...KEY, device: 'device-2' };
    await expect(throttle.run(known, fails, { resetOnSuccess: true })).rejects.toBeInstanceOf(BadRequestError);
    expect(throttle.deviceLocked('device-2')).toBe(false);
    await expect(throttle.run(known, fails, { resetOnSuccess: true })).rejects.toBeInstanceOf(BadRequestError);

    expect(throttle.deviceLocked('device-2')).toBe(true);
    await expect(throttle.screen(KEY.ip, 'device-2')).resolves.toBeUndefined();
    const refused = await throttle.run(known, succeeds, { resetOnSuccess: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(500);
    // The IP and pair were not charged for the device's failures.
    await expect(throttle.run(KEY, succeeds, { resetOnSuccess: true })).resolves.toBe('signed in');
  });

  it('when a known device is screened more often in a second than the burst, then the extra are refused', async () => {
    const throttle = new SigninThrottle({
      ipAttempts: 100,
      ipWindowSeconds: 60,
      ipBurstPerSecond: 2,
      accountFailures: 5,
      accountBlockSeconds: 60,
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => throttle.screen(KEY.ip, 'device-3')));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(2);
    // Its IP's own burst is untouched.
    await expect(throttle.screen(KEY.ip)).resolves.toBeUndefined();
  });
});
