/**
 * Signin-flood benchmark: one auth process on the MongoDB double, with its default limits (hashing
 * queue 2 at once / 64 waiting / 4 per IP, throttle 50 attempts per IP per 15 min and 5 failures per
 * IP and email), under `--connections` (200) concurrent bad signins for `--duration` seconds, while a
 * real user signs in one request at a time from an address of their own, twice over: from the browser
 * they signed up with (a known device: it sends the device cookie it got) and from a new browser at
 * another address (no device cookie).
 *
 *   npm run bench:signin [-- --connections 200 --duration 10 --samples 20 --flood spread,one-ip --profile]
 *
 * `--profile` runs auth under the CPU profiler and prints where its time went (total and self time per
 * function), to find what a refusal costs.
 *
 * Two floods, one after the other (each on fresh counters):
 * - `spread`: every flood request from a new IP and for a new email, so no throttle limit is reached
 *   and the flood is held by the hashing queue alone (429 when the queue is full, 400 after a hash);
 * - `one-ip`: every flood request from one IP, for one existing account, so the throttle answers most
 *   of them before any hashing.
 * auth is reached directly with X-Forwarded-For set, as the one proxy it trusts (the ingress or the
 * gateway) would set it. Figures: the real user's signin latency (p50, max) and the flood's answers by
 * status answered during the run, printed as JSON (see docs/benchmarks.md). The real user's signins
 * run in a worker thread (signin-prober.ts).
 */
import crypto from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { ServiceProcess } from '@ticketing/local-stack';
import { mongoUriWithDatabase, startMongo } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { topSelfTime, topTotalTime } from './cpu-profile';
import type { ProberJob, ProberResult } from './signin-prober';

const ROOT = path.resolve(__dirname, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const CONNECTIONS = Number(arg('connections', '200'));
const DURATION = Number(arg('duration', '10'));
const SAMPLES = Number(arg('samples', '20'));
const FLOODS = arg('flood', 'spread,one-ip').split(',');
const PROFILE = process.argv.includes('--profile');
const REAL_USER_IP = '192.0.2.10';
const NEW_DEVICE_IPS: Record<string, string> = { spread: '192.0.2.20', 'one-ip': '192.0.2.21' };
const ATTACKER_IP = '203.0.113.66';
const PASSWORD = 'a real user’s passphrase';

interface Figures {
  flood: string;
  floodRequests: number;
  floodByStatus: Record<string, number>;
  realSignin: Latencies;
  newDeviceSignin: Latencies;
}

interface Latencies {
  samples: number;
  failedByStatus: Record<string, number>;
  p50Ms: number;
  maxMs: number;
}

async function post(url: string, ip: string, body: unknown, cookie?: string): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res;
}

/** The device cookie a signup or signin set, as a `Cookie` header. */
function deviceCookieOf(res: Response): string {
  const cookie = res.headers.getSetCookie().find((value) => value.startsWith('device='));
  if (!cookie) throw new Error('no device cookie was set');
  return cookie.split(';')[0];
}

/** A worker thread running signin-prober.js, ready for its job. */
async function startProber(): Promise<Worker> {
  const worker = new Worker(path.join(__dirname, 'signin-prober.js'));
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return worker;
}

async function realSignins(worker: Worker, job: ProberJob): Promise<ProberResult> {
  const result = new Promise<ProberResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.postMessage(job);
  return result;
}

/** The real user's signin with nothing else running. */
async function idleSignins(base: string, email: string, cookie: string): Promise<Latencies> {
  const times: number[] = [];
  const failedByStatus: Record<string, number> = {};
  for (let i = 0; i < 10; i += 1) {
    const started = performance.now();
    const { status } = await post(`${base}/api/users/signin`, REAL_USER_IP, { email, password: PASSWORD }, cookie);
    if (status !== 200) failedByStatus[status] = (failedByStatus[status] ?? 0) + 1;
    times.push(performance.now() - started);
  }
  return summary({ times, failedByStatus });
}

function summary({ times, failedByStatus }: ProberResult): Latencies {
  const sorted = [...times].sort((a, b) => a - b);
  return { samples: times.length, failedByStatus, p50Ms: Math.round(quantile(sorted, 0.5)), maxMs: Math.round(sorted.at(-1) ?? 0) };
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface FloodRun {
  base: string;
  name: string;
  nextRequest: () => { ip: string; email: string };
  realEmail: string;
  realCookie: string;
  probers: [Worker, Worker];
}

async function flood({ base, name, nextRequest, realEmail, realCookie, probers }: FloodRun): Promise<Figures> {
  const byStatus: Record<string, number> = {};
  const instance = autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/api/users/signin',
        setupRequest: (request) => {
          const { ip, email } = nextRequest();
          return {
            ...request,
            headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
            body: JSON.stringify({ email, password: 'not-the-password' }),
          };
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number) => {
    byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
  });
  // The flood fills the queue during the first second; the real user signs in during the rest of the run.
  const job = {
    url: `${base}/api/users/signin`,
    body: { email: realEmail, password: PASSWORD },
    from: Date.now() + 1_000,
    until: Date.now() + (DURATION - 1) * 1_000,
    samples: SAMPLES,
  };
  const real = realSignins(probers[0], { ...job, ip: REAL_USER_IP, cookie: realCookie });
  const newDevice = realSignins(probers[1], { ...job, ip: NEW_DEVICE_IPS[name] });
  const result = await instance;
  return {
    flood: name,
    floodRequests: result.requests.total,
    floodByStatus: byStatus,
    realSignin: summary(await real),
    newDeviceSignin: summary(await newDevice),
  };
}

async function main(): Promise<void> {
  const mongo = await startMongo();
  const profileDir = PROFILE ? mkdtempSync(path.join(os.tmpdir(), 'signin-profile-')) : undefined;
  const profiling = profileDir
    ? { NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile-preload.js')}`, BENCH_CPU_PROFILE_DIR: profileDir }
    : {};
  const auth = new ServiceProcess({
    name: 'auth',
    cwd: path.join(ROOT, 'auth'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_AUTH_LOG_LEVEL ?? 'warn',
      MONGO_URI: mongoUriWithDatabase(mongo.uri, 'auth'),
      JWT_PRIVATE_KEY: crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      COOKIE_SECURE: 'false',
      ...profiling,
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const counters = await mongoose.createConnection(mongoUriWithDatabase(mongo.uri, 'auth')).asPromise();
  try {
    await auth.start();
    const base = auth.url;
    const realEmail = 'real-user@example.com';
    const signedUp = await post(`${base}/api/users/signup`, REAL_USER_IP, { email: realEmail, password: PASSWORD });
    if (signedUp.status !== 201) throw new Error('signup failed');
    const realCookie = deviceCookieOf(signedUp);
    const victim = 'victim@example.com';
    if ((await post(`${base}/api/users/signup`, '192.0.2.11', { email: victim, password: PASSWORD })).status !== 201)
      throw new Error('signup failed');

    const idle = await idleSignins(base, realEmail, realCookie);
    const probers: [Worker, Worker] = [await startProber(), await startProber()];
    let n = 0;
    const fresh = () => {
      n += 1;
      return { ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, email: `flood-${n}@example.com` };
    };
    // Each flood on fresh counters, so the real user's own attempts stay under its IP's limit.
    const floods: Record<string, () => { ip: string; email: string }> = {
      spread: fresh,
      'one-ip': () => ({ ip: ATTACKER_IP, email: victim }),
    };
    const results: Record<string, Figures> = {};
    for (const name of FLOODS) {
      if (!floods[name]) throw new Error(`unknown flood ${name} (spread, one-ip)`);
      await counters.collection('throttle_counters').deleteMany({});
      results[name] = await flood({ base, name, nextRequest: floods[name], realEmail, realCookie, probers });
    }
    await Promise.all(probers.map((prober) => prober.terminate()));
    const figures = {
      date: new Date().toISOString(),
      cpus: os.cpus().length,
      connections: CONNECTIONS,
      durationS: DURATION,
      idle,
      ...results,
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await counters.close();
    await auth.stop();
    await mongo.stop();
  }
  if (profileDir) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const round = (t: { frame: string; share: number }) => ({ frame: t.frame, share: +t.share.toFixed(3) });
      const profile = path.join(profileDir, file);
      process.stdout.write(
        `${JSON.stringify({ profile, total: topTotalTime(profile, 40).map(round), self: topSelfTime(profile, 25).map(round) }, null, 2)}\n`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
