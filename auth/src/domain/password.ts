import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keyLength: number) => Promise<Buffer>;

const SALT_BYTES = 16;
const KEY_BYTES = 64;

/** `salt.hash`, both hex: scrypt of the password with a fresh random 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, KEY_BYTES);
  return `${salt.toString('hex')}.${hash.toString('hex')}`;
}

/** Whether `supplied` hashes to `stored` (as made by `hashPassword`), compared in constant time. */
export async function verifyPassword(stored: string, supplied: string): Promise<boolean> {
  const [saltHex, hashHex, ...rest] = stored.split('.');
  if (rest.length > 0 || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  if (expected.length !== KEY_BYTES) return false;
  const actual = await scrypt(supplied, Buffer.from(saltHex, 'hex'), KEY_BYTES);
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same scrypt work as a real check and answers false: signin calls it for an unknown email
 * so the response time does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(supplied: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummyHash, supplied);
  return false;
}
