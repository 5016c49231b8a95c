import { randomBytes, scryptSync } from 'node:crypto';
import {
  configurePasswordHashing,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../password';

/** A hash in the format before this one: `<16-byte salt hex>.<64-byte scrypt key hex>`, Node's default cost. */
function legacyHash(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}.${scryptSync(password, salt, 64).toString('hex')}`;
}

describe('password hashing', () => {
  beforeAll(() => configurePasswordHashing({ params: { ln: 14, r: 8, p: 1 } }));
  afterAll(() => configurePasswordHashing({ params: DEFAULT_SCRYPT_PARAMS }));

  it('when a password is hashed, then the hash names scrypt and its parameters, with a salt, not the password', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(stored).not.toContain('correct horse');
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

  it('when the hash was made with other parameters, then it still verifies with its own and needs a rehash', async () => {
    const stored = await hashPassword('cost moves on');
    configurePasswordHashing({ params: { ln: 15, r: 8, p: 1 } });
    try {
      await expect(verifyPassword(stored, 'cost moves on')).resolves.toBe(true);
      expect(needsRehash(stored)).toBe(true);
      expect(needsRehash(await hashPassword('cost moves on'))).toBe(false);
    } finally {
      configurePasswordHashing({ params: { ln: 14, r: 8, p: 1 } });
    }
  });

  it('when the hash is in the old format (salt.hash hex), then it verifies (as the old trimmed password) and needs a rehash', async () => {
    const stored = legacyHash('old-secret');
    expect(needsRehash(stored)).toBe(true);
    await expect(verifyPassword(stored, 'old-secret')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'wrong-secret')).resolves.toBe(false);
  });

  it('when the stored value is not a hash of ours, then nothing verifies', async () => {
    for (const stored of ['plain-text', '', 'abc.def', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA']) {
      await expect(verifyPassword(stored, 'plain-text')).resolves.toBe(false);
      expect(needsRehash(stored)).toBe(false);
    }
  });

  it('when checked against the dummy hash, then the answer is always false', async () => {
    await expect(verifyAgainstDummy('anything')).resolves.toBe(false);
  });
});
