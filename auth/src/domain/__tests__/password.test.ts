import { parseOptions } from '@node-rs/argon2';
import { legacyScryptHash, scryptHash } from '../../test/helpers';
import {
  configurePasswordHashing,
  DEFAULT_ARGON2_PARAMS,
  hashPassword,
  needsRehash,
  runPasswordAttempt,
  verifyAgainstDummy,
  verifyPassword,
} from '../password';

const STRONGER = { memoryCost: DEFAULT_ARGON2_PARAMS.memoryCost * 2, timeCost: 3, parallelism: 1 };

describe('password hashing', () => {
  afterEach(() => configurePasswordHashing({ params: DEFAULT_ARGON2_PARAMS, queue: {} }));

  it('when a password is hashed, then the hash is argon2id naming its parameters, with a salt, not the password', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(stored).not.toContain('correct horse');
    expect(parseOptions(stored)).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32, saltLen: 16 });
  });

  it('when a whole attempt holds the only queue slot, then its own hash and check run in that slot, and the next attempt waits its turn', async () => {
    configurePasswordHashing({ queue: { concurrency: 1, maxWaiting: 8, maxWaitingPerKey: 8 } });
    const order: string[] = [];
    const attempt = (name: string) =>
      runPasswordAttempt('client', async () => {
        order.push(`${name} starts`);
        const stored = await hashPassword('in the slot', 'client');
        const matches = await verifyPassword(stored, 'in the slot', 'client');
        order.push(`${name} ends`);
        return matches;
      });
    await expect(Promise.all([attempt('first'), attempt('second')])).resolves.toEqual([true, true]);
    expect(order).toEqual(['first starts', 'first ends', 'second starts', 'second ends']);
  });

  it('when the attempt queue is full, then the next attempt is refused with 429 without running', async () => {
    configurePasswordHashing({ queue: { concurrency: 1, maxWaiting: 0, maxWaitingPerKey: 1 } });
    let release: () => void = () => undefined;
    const held = runPasswordAttempt('a', () => new Promise<void>((resolve) => (release = resolve)));
    let ran = false;
    await expect(runPasswordAttempt('b', async () => void (ran = true))).rejects.toMatchObject({ statusCode: 429 });
    expect(ran).toBe(false);
    release();
    await held;
  });

  it('when the cost is raised, then new hashes carry the new parameters', async () => {
    configurePasswordHashing({ params: STRONGER });
    expect(parseOptions(await hashPassword('cost moves on'))).toMatchObject(STRONGER);
  });

  it('when the same password is hashed twice, then the salts differ', async () => {
    const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(first).not.toBe(second);
  });

  it('when the right password is supplied, then it verifies; a wrong one, or with added spaces, does not', async () => {
    const stored = await hashPassword('s3cret');
    await expect(verifyPassword(stored, 's3cret')).resolves.toBe(true);
    await expect(verifyPassword(stored, 's3cret ')).resolves.toBe(false);
    await expect(verifyPassword(stored, 'S3cret')).resolves.toBe(false);
  });

  it('when an argon2id hash is weaker than the current parameters, then it still verifies with its own and needs a rehash', async () => {
    const stored = await hashPassword('cost moves on');
    expect(needsRehash(stored)).toBe(false);
    configurePasswordHashing({ params: STRONGER });
    await expect(verifyPassword(stored, 'cost moves on')).resolves.toBe(true);
    expect(needsRehash(stored)).toBe(true);
    expect(needsRehash(await hashPassword('cost moves on'))).toBe(false);
  });

  it('when an argon2id hash is stronger than the current parameters, then it is kept', async () => {
    configurePasswordHashing({ params: STRONGER });
    const stored = await hashPassword('stronger stays');
    configurePasswordHashing({ params: DEFAULT_ARGON2_PARAMS });
    expect(needsRehash(stored)).toBe(false);
    await expect(verifyPassword(stored, 'stronger stays')).resolves.toBe(true);
  });

  it('when the hash is scrypt with stored parameters, then it verifies exactly (untrimmed) and needs a rehash', async () => {
    const stored = scryptHash(' spaced secret ');
    expect(needsRehash(stored)).toBe(true);
    await expect(verifyPassword(stored, ' spaced secret ')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'spaced secret')).resolves.toBe(false);
  });

  it('when the hash is in the oldest format (salt.hash hex), then it verifies (as the old trimmed password) and needs a rehash', async () => {
    const stored = legacyScryptHash('old-secret');
    expect(needsRehash(stored)).toBe(true);
    await expect(verifyPassword(stored, 'old-secret')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'wrong-secret')).resolves.toBe(false);
  });

  it('when the stored value is not a hash of ours, then nothing verifies and nothing is rehashed', async () => {
    const others = [
      'plain-text',
      '',
      'abc.def',
      '$scrypt$ln=99,r=8,p=1$AAAA$AAAA',
      '$argon2id$v=19$m=oops',
      '$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA',
    ];
    for (const stored of others) {
      await expect(verifyPassword(stored, 'plain-text')).resolves.toBe(false);
      expect(needsRehash(stored)).toBe(false);
    }
  });

  it('when checked against the dummy hash, then the answer is always false', async () => {
    await expect(verifyAgainstDummy('anything')).resolves.toBe(false);
  });
});
