import { randomBytes, scrypt as scryptCallback, ScryptOptions, timingSafeEqual } from 'node:crypto';
import { HashQueue, HashQueueOptions } from './hash-queue';

// argon2id (@node-rs/argon2) is not installed here, so passwords are hashed with scrypt at a cost well
// above Node's default (N=2^14), with the parameters stored in each hash so they can be raised later:
//   $scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>
// The format before that (`<salt hex>.<key hex>`, Node's defaults, 64-byte key) still verifies, and
// `needsRehash` tells signin to store a hash in the current format.

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export interface ScryptParams {
  /** log2 of N (CPU/memory cost). */
  ln: number;
  r: number;
  p: number;
}

/** The cost new hashes use: N=2^15 (32 MiB), r=8, p=1. `configurePasswordHashing` may raise it. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const LEGACY_KEY_BYTES = 64;
const LEGACY_PARAMS: ScryptParams = { ln: 14, r: 8, p: 1 };

let current: ScryptParams = DEFAULT_SCRYPT_PARAMS;
let queue = new HashQueue();

/** Sets the cost of new hashes and the limits of the hashing queue (auth's app does, from its config). */
export function configurePasswordHashing(options: { params?: ScryptParams; queue?: HashQueueOptions }): void {
  if (options.params) current = options.params;
  if (options.queue) queue = new HashQueue(options.queue);
}

/** The queue every hash and check goes through. */
export function passwordHashQueue(): HashQueue {
  return queue;
}

function derive(password: string, salt: Buffer, keyLength: number, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  return scrypt(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
}

/** A new hash of `password` in the current format, queued as client `key`. */
export async function hashPassword(password: string, key = ''): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const params = current;
  const hash = await queue.run(key, () => derive(password, salt, KEY_BYTES, params));
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
  legacy: boolean;
}

function parseHash(stored: string): ParsedHash | null {
  const modern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (modern) {
    const params = { ln: Number(modern[1]), r: Number(modern[2]), p: Number(modern[3]) };
    if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.p < 1) return null;
    return { params, salt: Buffer.from(modern[4], 'base64'), hash: Buffer.from(modern[5], 'base64'), legacy: false };
  }
  const legacy = /^([0-9a-f]+)\.([0-9a-f]+)$/.exec(stored);
  if (legacy && legacy[2].length === LEGACY_KEY_BYTES * 2) {
    return { params: LEGACY_PARAMS, salt: Buffer.from(legacy[1], 'hex'), hash: Buffer.from(legacy[2], 'hex'), legacy: true };
  }
  return null;
}

/** Whether `stored` was made with other parameters than new hashes use (or in the old format). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const { ln, r, p } = parsed.params;
  return parsed.legacy || ln !== current.ln || r !== current.r || p !== current.p;
}

/**
 * Whether `supplied` hashes to `stored`, compared in constant time, with the parameters the hash names.
 * An old-format hash was made from the trimmed password (signup trimmed then), so it is checked so.
 */
export async function verifyPassword(stored: string, supplied: string, key = ''): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const password = parsed.legacy ? supplied.trim() : supplied;
  const actual = await queue.run(key, () => derive(password, parsed.salt, parsed.hash.length, parsed.params));
  return timingSafeEqual(actual, parsed.hash);
}

let dummyHash: { params: ScryptParams; hash: Promise<string> } | undefined;

/**
 * Spends the same scrypt work as a real check and answers false: signin calls it for an unknown email
 * so the response time does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(supplied: string, key = ''): Promise<false> {
  if (dummyHash?.params !== current) dummyHash = { params: current, hash: hashPassword(randomBytes(16).toString('hex'), '\0dummy') };
  await verifyPassword(await dummyHash.hash, supplied, key);
  return false;
}
