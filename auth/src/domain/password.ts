import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, scrypt as scryptCallback, ScryptOptions, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, parseOptions as argon2Options, verify as argon2Verify } from '@node-rs/argon2';
import { HashQueue, HashQueueOptions, LaneOptions, TooManyAttemptsError } from './hash-queue';

// New hashes are argon2id (@node-rs/argon2, computed on libuv's thread pool, off the event loop), in the
// PHC string format, which names the algorithm and its parameters:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<hash, base64>
// Hashes made before still verify, and `needsRehash` tells signin to replace them:
//   $scrypt$ln=15,r=8,p=1$<salt, base64>$<key, base64>     (scrypt with its parameters)
//   <salt hex>.<key hex>                                    (scrypt with Node's defaults, trimmed password)

export interface Argon2Params {
  /** Memory in KiB (`m=`). */
  memoryCost: number;
  /** Passes over the memory (`t=`). */
  timeCost: number;
  /** Lanes (`p=`). */
  parallelism: number;
}

/** OWASP's first argon2id choice: 19 MiB, 2 passes, 1 lane. `configurePasswordHashing` may raise it. */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const HASH_BYTES = 32;

interface ScryptParams {
  /** log2 of N (CPU/memory cost). */
  ln: number;
  r: number;
  p: number;
}
const LEGACY_KEY_BYTES = 64;
const LEGACY_PARAMS: ScryptParams = { ln: 14, r: 8, p: 1 };

let current: Argon2Params = DEFAULT_ARGON2_PARAMS;
let queue = new HashQueue();

/** Sets the cost of new hashes and the limits of the hashing queue (auth's app does, from its config). */
export function configurePasswordHashing(options: { params?: Argon2Params; queue?: HashQueueOptions }): void {
  if (options.params) current = options.params;
  if (options.queue) queue = new HashQueue(options.queue);
}

/** The queue every hash and check goes through: argon2 runs off the main thread, the queue bounds how many at once. */
export function passwordHashQueue(): HashQueue {
  return queue;
}

// Set while a whole signin or signup attempt holds a queue slot, so its own hash runs in that slot.
const attemptSlot = new AsyncLocalStorage<true>();

/**
 * Runs a whole signin or signup attempt (its throttle and user reads and writes, and its hash) in one
 * slot of the hashing queue, as client `key`. Gating the attempt, not only the hash, keeps a flood's
 * database work bounded too: a flood of new addresses otherwise piles hundreds of concurrent throttle
 * writes onto the database, and a real user's signin waits behind them before it reaches the queue.
 * When the queue is full (or the client's share of it), the attempt is refused at once with 429. A known
 * device's attempt (`trusted`, keyed by its device cookie) waits in its own lane, served first.
 */
export function runPasswordAttempt<T>(key: string, attempt: () => Promise<T>, lane: LaneOptions = {}): Promise<T> {
  if (queue.wouldRefuse(key, lane)) return Promise.reject(new TooManyAttemptsError(1));
  return queue.run(key, () => attemptSlot.run(true, attempt), lane);
}

/** Hashing work for client `key`: in the attempt's own slot, or queued when called outside one. */
function queued<T>(key: string, work: () => Promise<T>): Promise<T> {
  return attemptSlot.getStore() ? work() : queue.run(key, work);
}

/** A new argon2id hash of `password` with the current parameters, queued as client `key`. */
export async function hashPassword(password: string, key = ''): Promise<string> {
  const params = current;
  return queued(key, () => argon2Hash(password, { ...params, outputLen: HASH_BYTES }));
}

interface ScryptHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
  legacy: boolean;
}

function parseScryptHash(stored: string): ScryptHash | null {
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

/** The parameters of an argon2id PHC string, or null when it is none. */
function argon2idParams(stored: string): (Argon2Params & { outputLen: number }) | null {
  if (!stored.startsWith('$argon2id$')) return null;
  try {
    return argon2Options(stored);
  } catch {
    return null;
  }
}

function scrypt(password: string, salt: Buffer, keyLength: number, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Whether `stored` should be replaced by a new hash at the next successful signin: any scrypt hash, and
 * an argon2id hash weaker than the current parameters in any of them (a stronger one is kept).
 */
export function needsRehash(stored: string): boolean {
  if (parseScryptHash(stored)) return true;
  const params = argon2idParams(stored);
  if (!params) return false;
  return (
    params.memoryCost < current.memoryCost ||
    params.timeCost < current.timeCost ||
    params.parallelism < current.parallelism ||
    params.outputLen < HASH_BYTES
  );
}

/**
 * Whether `supplied` is the password `stored` was made from, checked with the parameters the hash names.
 * An old-format scrypt hash was made from the trimmed password (signup trimmed then), so it is checked so.
 */
export async function verifyPassword(stored: string, supplied: string, key = ''): Promise<boolean> {
  if (argon2idParams(stored)) return queued(key, () => argon2Verify(stored, supplied));
  const parsed = parseScryptHash(stored);
  if (!parsed) return false;
  const password = parsed.legacy ? supplied.trim() : supplied;
  const actual = await queued(key, () => scrypt(password, parsed.salt, parsed.hash.length, parsed.params));
  return timingSafeEqual(actual, parsed.hash);
}

let dummyHash: { params: Argon2Params; hash: Promise<string> } | undefined;

/**
 * Spends the same argon2 work as a real check and answers false: signin calls it for an unknown email
 * so the response time does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(supplied: string, key = ''): Promise<false> {
  if (dummyHash?.params !== current) dummyHash = { params: current, hash: hashPassword(randomBytes(16).toString('hex'), '\0dummy') };
  await verifyPassword(await dummyHash.hash, supplied, key);
  return false;
}
