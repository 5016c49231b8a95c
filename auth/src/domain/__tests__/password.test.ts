import { hashPassword, verifyAgainstDummy, verifyPassword } from '../password';

describe('password hashing', () => {
  it('when a password is hashed, then the result is a 16-byte salt and a hash, in hex, not the password', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{128}$/);
    expect(stored).not.toContain('correct horse');
  });

  it('when the same password is hashed twice, then the salts differ', async () => {
    const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(first.split('.')[0]).not.toBe(second.split('.')[0]);
    expect(first).not.toBe(second);
  });

  it('when the right password is supplied, then it verifies; a wrong one does not', async () => {
    const stored = await hashPassword('s3cret');
    await expect(verifyPassword(stored, 's3cret')).resolves.toBe(true);
    await expect(verifyPassword(stored, 's3cret ')).resolves.toBe(false);
    await expect(verifyPassword(stored, 'S3cret')).resolves.toBe(false);
  });

  it.each(['', 'plain-text', 'abc.def', 'a.b.c', `${'0'.repeat(32)}.${'0'.repeat(10)}`])(
    'when the stored value %p is not a hash, then nothing verifies against it',
    async (stored) => {
      await expect(verifyPassword(stored, 'plain-text')).resolves.toBe(false);
    },
  );

  it('when checked against the dummy, then the answer is always false', async () => {
    await expect(verifyAgainstDummy('anything')).resolves.toBe(false);
  });
});
