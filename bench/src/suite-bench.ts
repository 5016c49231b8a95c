/**
 * Whole-suite benchmark: the local stack (gateway, auth, tickets, orders, MongoDB test double,
 * nats-server) under autocannon at a fixed concurrency, against a baseline measured in the same run.
 *
 *   npm run bench [-- --duration 10 --connections 10 --warmup 3 --spread 500 --orders 1500
 *                     --samples 200 --skip-outbox --no-adjacent --profile tickets,orders,mongod --out bench/results.json]
 *
 * Figures (see docs/benchmarks.md):
 * - requests/s and p50/p99 latency through the gateway for POST /api/tickets, PUT /api/tickets/:id
 *   (round robin over `spread` tickets, so it measures the write path, not one document's
 *   contention), GET /api/tickets/:id (same tickets) and POST /api/orders (each on a fresh ticket that
 *   has reached orders); each after a warm-up, and as a ratio to the baseline (the run's first, and
 *   the same baseline measured again right after the route);
 * - the baseline: a bare Express endpoint inserting one document through mongoose into the same
 *   MongoDB double, behind a gateway of the same kind, hit the same way;
 * - CPU used by each process during each run (share of one core), to see what bounds a figure;
 * - event propagation: from a ticket write's 2xx answer to the change being visible in the orders
 *   service's replica (read from its database), one write at a time on an idle stack;
 * - catch-up: after each write run, how long until orders has applied every event;
 * - the outbox relay's throughput and commit-to-publish latency (outbox-bench.js, run afterwards).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
import { timedRun, type TimedResult } from './timed-run';
import mongoose from 'mongoose';
import type { BenchStackInfo } from './bench-stack-host';
import { selfTimeByOrigin, topSelfTime, type SelfTime } from './cpu-profile';
import { runDataSize, type DataSizeFigures } from './data-size';
import { CpuMeter } from './process-cpu';

const ROOT = path.resolve(__dirname, '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '10'));
const WARMUP = Number(arg('warmup', '3'));
const SPREAD = Number(arg('spread', '500'));
const ORDERS = Number(arg('orders', '1500'));
const WARMUP_ORDERS = 200;
const SAMPLES = Number(arg('samples', '200'));
const PROFILE = arg('profile', '');
const PAYMENTS = Number(arg('payments', '600'));
/**
 * Orders each buyer of an order run places: the orders service's default cap of unpaid orders
 * (MAX_ACTIVE_ORDERS_PER_USER, 5). The benchmark's stack lifts the cap (payments are set up by one
 * buyer), but a buyer's gate lists its open orders, so a buyer with hundreds of them would make every
 * placement cost more than a real one does (docs/benchmarks.md, 2026-12-04 09:00).
 */
const ORDERS_PER_BUYER = 5;
/** Buyers the order run rotates through (one buyer's concurrent orders serialise on its active-order gate). */
const BUYERS = Number(arg('buyers', String(Math.ceil((ORDERS + WARMUP_ORDERS) / ORDERS_PER_BUYER))));
const WARMUP_PAYMENTS = 100;
const SCENARIOS = [
  'baseline',
  'baseline-get',
  'post-tickets',
  'put-tickets',
  'get-ticket',
  'post-orders',
  'post-payments',
  'propagation',
] as const;
/** `--only put-tickets,propagation`: run some scenarios (e.g. to profile one); figures then lack ratios if the baseline is left out. */
const ONLY = new Set(arg('only', SCENARIOS.join(',')).split(','));
const runs = (scenario: (typeof SCENARIOS)[number]): boolean => ONLY.has(scenario);
/** `--data 1000,100000`: the data-size scenario at those sizes, after the others (see data-size.ts). */
const DATA_SIZES = arg('data', '').split(',').filter(Boolean).map(Number);
const DATA_DURATION = Number(arg('data-duration', '5'));
const DATA_REPEATS = Number(arg('data-repeats', '3'));
const OUT = arg('out', PROFILE ? '' : path.join(ROOT, 'bench', 'results.json'));
/**
 * Each route's baseline is measured again right after the route (`--no-adjacent` leaves it out): the
 * one-process baseline moves by up to half between runs minutes apart, so a ratio against a baseline
 * measured seconds away says more about the route than one against the run's first minute.
 */
const ADJACENT = !flag('no-adjacent');

type MongoClient = InstanceType<typeof mongoose.mongo.MongoClient>;
type Db = ReturnType<MongoClient['db']>;

interface HttpFigures {
  name: string;
  requests: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number };
  /** Share of one core used by each process during the measured run. */
  cpu: Record<string, number>;
  /**
   * CPU per 2xx request, in ms: summed over the processes (the bench's own left out) and by process;
   * `vsBaseline`: the total against the baseline's. Steadier from one run to the next than req/s,
   * which follows how fast the machine is that hour.
   */
  cpuMsPerRequest: { total: number; byProcess: Record<string, number>; vsBaseline?: number };
  /** Time until orders applied every event caused by the run (write runs only). */
  catchUpMs?: number;
  /**
   * Database commands per 2xx request, from the double's serverStatus counters: from the start of the
   * run until every event it caused was applied, so the listeners' and relays' work is included.
   */
  dbCommandsPerRequest?: { total: number; byName: Record<string, number>; byCollection: Record<string, number> };
  vsBaseline?: { requestsPerSecond: number; p50: number; p99: number };
  /** The same baseline measured again right after this run, and this run's req/s against it. */
  adjacentBaseline?: { requestsPerSecond: number; vsRequestsPerSecond: number };
  /** Which baseline `vsBaseline` compares with: the bare insert, or the bare findById for reads. */
  baseline?: string;
}

interface LatencyFigures {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencyFigures(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50: +percentile(sorted, 50).toFixed(2),
    p99: +percentile(sorted, 99).toFixed(2),
    mean: +mean.toFixed(2),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next;
        next += 1;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts bench-stack-host.js and resolves with what it prints once ready. */
function startHost(profileDir: string | undefined): Promise<{ child: ChildProcess; info: BenchStackInfo; output: string[] }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'bench-stack-host.js')], {
    cwd: ROOT,
    env: { ...process.env, ...(profileDir ? { BENCH_PROFILE: PROFILE, BENCH_PROFILE_DIR: profileDir } : {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    output.push(line);
    if (output.length > 500) output.shift();
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      ready = true;
      resolve({ child, info: JSON.parse(line) as BenchStackInfo, output });
    });
    child.once('exit', (code, signal) => {
      const error = new Error(`bench stack exited (code ${code}, signal ${signal}):\n${output.join('\n')}`);
      if (!ready) reject(error);
      else if (!stoppingHost) {
        // Nothing can be measured without it.
        console.error(error.message);
        process.exit(1);
      }
    });
  });
}

let stoppingHost = false;

async function stopHost(child: ChildProcess): Promise<void> {
  stoppingHost = true;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Closing its stdin stops it in order (services, then broker and database); a signal would also
  // reach the broker's exit hook, which kills nats-server at once and slows the services' shutdown.
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
  await exited;
  clearTimeout(timer);
}

async function signup(url: string): Promise<string> {
  for (;;) {
    const cookie = await trySignup(url);
    if (cookie !== null) return cookie;
  }
}

/** One signup; null after waiting out a 429 (auth throttles signups per client). */
async function trySignup(url: string): Promise<string | null> {
  const email = `bench-${Math.random().toString(36).slice(2)}@test.dev`;
  const res = await fetch(`${url}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: `Bx-${crypto.randomBytes(6).toString('hex')}` }),
  });
  if (res.status === 429) {
    await res.arrayBuffer();
    await sleep(1000 * Number(res.headers.get('retry-after') ?? '1'));
    return null;
  }
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  // The session cookie (signup also sets the device cookie).
  return (res.headers.getSetCookie().find((cookie) => cookie.startsWith('session=')) ?? '').split(';')[0];
}

async function createTickets(url: string, cookie: string, count: number): Promise<string[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    CONNECTIONS,
    async (i) => {
      const res = await fetch(`${url}/api/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ title: `bench ${i}`, price: 10 }),
      });
      if (res.status !== 201) throw new Error(`creating a ticket failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
  );
}

/** Sum of versions and count of tickets: in the tickets service, and in the orders replica. */
async function ticketTotals(db: Db, since?: mongoose.Types.ObjectId): Promise<{ count: number; versions: number }> {
  const [row] = await db
    .collection('tickets')
    .aggregate<{ count: number; versions: number }>([
      // An _id range: the data-size scenario's million seeded tickets are not read at every poll.
      ...(since ? [{ $match: { _id: { $gte: since } } }] : []),
      { $group: { _id: null, count: { $sum: 1 }, versions: { $sum: '$version' } } },
    ])
    .toArray();
  return row ?? { count: 0, versions: 0 };
}

/** Commands the database has run, by name (serverStatus `metrics.commands`). */
async function commandCounts(db: Db): Promise<Map<string, number>> {
  const status = await db.admin().command({ serverStatus: 1 });
  const commands = (status.metrics as { commands?: Record<string, { total?: unknown }> } | undefined)?.commands ?? {};
  return new Map(Object.entries(commands).map(([name, counts]) => [name, Number(counts.total ?? 0)]));
}

/** Per-collection command counts (the `top` command's `total`), by namespace. */
async function collectionCounts(db: Db): Promise<Map<string, number>> {
  const { totals } = await db.admin().command({ top: 1 });
  const entries = Object.entries(totals as Record<string, { total?: { count?: unknown } }>).filter(([ns]) => ns !== 'note');
  return new Map(entries.map(([ns, usage]) => [ns, Number(usage.total?.count ?? 0)]));
}

/** The collections one waitForQuiet poll reads (two $group totals, tickets' pending events, three countDocuments). */
function quietPollNamespaces(ticketsDb: Db, ordersDb: Db): string[] {
  const t = ticketsDb.databaseName;
  const o = ordersDb.databaseName;
  return [`${t}.tickets`, `${o}.tickets`, `${t}.tickets`, `${o}.outbox`, `${t}.tickets`, `${o}.orders`];
}

/** The collections one waitForCompletions poll counts in. */
function completionPollNamespaces(ordersDb: Db, paymentsDb: Db): string[] {
  return [`${paymentsDb.databaseName}.payments`, `${ordersDb.databaseName}.orders`, `${paymentsDb.databaseName}.outbox`];
}

/**
 * Waits until every event has been applied: tickets has reserved the ticket of every active order
 * (order:created reached it), orders' replica has every ticket at its version (ticket events reached
 * it; with `since`, every ticket created from then on), and both outboxes are empty (tickets' events
 * wait on the tickets themselves, through the relay's partial index). Every query is
 * an index range, so a poll costs the same however much data the databases hold.
 */
async function waitForQuiet(
  ticketsDb: Db,
  ordersDb: Db,
  since?: mongoose.Types.ObjectId,
  timeoutMs = 300_000,
): Promise<{ ms: number; polls: number }> {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    polls += 1;
    const [source, replica, ticketsBacklog, ordersBacklog, reserved, activeOrders] = await Promise.all([
      ticketTotals(ticketsDb, since),
      ticketTotals(ordersDb, since),
      ticketsDb.collection('tickets').countDocuments({ outboxPending: true }),
      ordersDb.collection('outbox').countDocuments({ publishedAt: null }),
      // Every held ticket (an order id is never empty), through the {orderId, _id} index.
      ticketsDb.collection('tickets').countDocuments({ orderId: { $gt: '' } }),
      ordersDb.collection('orders').countDocuments({ active: true }),
    ]);
    const settled = reserved === activeOrders && ticketsBacklog === 0 && ordersBacklog === 0;
    if (settled && source.count === replica.count && source.versions === replica.versions) {
      return { ms: Date.now() - started, polls };
    }
    if (Date.now() - started > timeoutMs) throw new Error('orders did not catch up with tickets');
    await sleep(20);
  }
}

/** Places one order per ticket as `cookie`'s user and waits until payments holds every one of them. */
async function payableOrders(url: string, cookie: string, tickets: string[], paymentsDb: Db): Promise<string[]> {
  const ids = await mapLimit(tickets, CONNECTIONS, async (ticketId) => {
    for (;;) {
      const res = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ ticketId }),
      });
      if (res.status === 201) return ((await res.json()) as { id: string }).id;
      if (res.status !== 404) throw new Error(`placing an order failed: ${res.status} ${await res.text()}`);
      await sleep(20);
    }
  });
  while ((await paymentsDb.collection('orders').countDocuments({ _id: { $in: ids as never[] } })) < ids.length) await sleep(50);
  return ids;
}

/** Waits until orders has completed every paid order and the payments outbox is empty. */
async function waitForCompletions(ordersDb: Db, paymentsDb: Db, timeoutMs = 300_000): Promise<{ ms: number; polls: number }> {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    polls += 1;
    const [paid, complete, backlog] = await Promise.all([
      paymentsDb.collection('payments').countDocuments({ status: 'succeeded' }),
      ordersDb.collection('orders').countDocuments({ status: 'complete' }),
      paymentsDb.collection('outbox').countDocuments({ publishedAt: null }),
    ]);
    if (paid === complete && backlog === 0) return { ms: Date.now() - started, polls };
    if (Date.now() - started > timeoutMs) throw new Error('orders did not complete every paid order');
    await sleep(20);
  }
}

function run(opts: AutocannonOptions): Promise<TimedResult> {
  return timedRun({ connections: CONNECTIONS, timeout: 30, ...opts });
}

function cpuPerRequest(cpu: Record<string, number>, requestsPerSecond: number): HttpFigures['cpuMsPerRequest'] {
  const byProcess: Record<string, number> = {};
  let total = 0;
  for (const [name, share] of Object.entries(cpu)) {
    if (name === 'bench') continue;
    const ms = (share * 1000) / Math.max(1, requestsPerSecond);
    total += ms;
    if (ms >= 0.01) byProcess[name] = +ms.toFixed(2);
  }
  return { total: +total.toFixed(2), byProcess };
}

function figures(name: string, { result, requestsPerSecond }: TimedResult, cpu: Record<string, number>): HttpFigures {
  return {
    name,
    requests: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requestsPerSecond,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: +result.latency.mean.toFixed(2) },
    cpu,
    cpuMsPerRequest: cpuPerRequest(cpu, requestsPerSecond),
  };
}

async function main(): Promise<void> {
  const profileDir = PROFILE ? mkdtempSync(path.join(os.tmpdir(), 'ticketing-profile-')) : undefined;
  const loadBefore = os.loadavg();
  const { child: host, info, output } = await startHost(profileDir);
  const observer: MongoClient = new mongoose.mongo.MongoClient(info.mongoUris.orders);
  const http: HttpFigures[] = [];
  const propagation: Record<string, LatencyFigures> = {};
  let relay: unknown;
  let dataSize: DataSizeFigures[] | undefined;
  try {
    await observer.connect();
    const ordersDb = observer.db('orders');
    const ticketsDb = observer.db('tickets');
    const paymentsDb = observer.db('payments');
    const seller = await signup(info.url);
    const buyer = await signup(info.url);
    const meter = new CpuMeter({ ...info.pids, bench: process.pid });
    const json = { 'content-type': 'application/json' };

    /** Warm-up, then the measured run with the CPU meter; write runs wait for orders to catch up. */
    const measureOnce = async (
      name: string,
      opts: AutocannonOptions,
      warmup: Partial<AutocannonOptions>,
      writes: boolean,
      quiet: () => Promise<{ ms: number; polls: number }> = () => waitForQuiet(ticketsDb, ordersDb),
      pollNamespaces = quietPollNamespaces(ticketsDb, ordersDb),
    ): Promise<HttpFigures> => {
      process.stderr.write(`${name}: warming up\n`);
      await run({ ...opts, duration: WARMUP, ...warmup });
      if (writes) await quiet();
      process.stderr.write(`${name}: measuring\n`);
      const countsBefore = await commandCounts(ordersDb);
      const collectionsBefore = await collectionCounts(ordersDb);
      meter.start();
      const result = await run({ duration: DURATION, ...opts });
      const fig = figures(name, result, meter.stop());
      let polls = 0;
      if (writes) {
        const settled = await quiet();
        fig.catchUpMs = settled.ms;
        polls = settled.polls;
      }
      const observerAggregates = polls * pollNamespaces.length;
      const collectionsAfter = await collectionCounts(ordersDb);
      const countsAfter = await commandCounts(ordersDb);
      const byName: Record<string, number> = {};
      let total = 0;
      for (const [command, after] of countsAfter) {
        // The bench's own polls and status reads are not the suite's work.
        const ran =
          after -
          (countsBefore.get(command) ?? 0) -
          (command === 'aggregate' ? observerAggregates : 0) -
          (command === 'serverStatus' ? 1 : 0);
        total += ran;
        const perRequest = +(ran / Math.max(1, fig.requests)).toFixed(2);
        if (perRequest >= 0.05) byName[command] = perRequest;
      }
      const byCollection: Record<string, number> = {};
      for (const [ns, after] of collectionsAfter) {
        const observed = polls * pollNamespaces.filter((polled) => polled === ns).length;
        const perRequest = +((after - (collectionsBefore.get(ns) ?? 0) - observed) / Math.max(1, fig.requests)).toFixed(2);
        if (perRequest >= 0.05) byCollection[ns] = perRequest;
      }
      fig.dbCommandsPerRequest = { total: +(total / Math.max(1, fig.requests)).toFixed(2), byName, byCollection };
      return fig;
    };
    // How each baseline is measured, so it can be measured again next to a route.
    const baselineRuns: { insert?: () => Promise<HttpFigures>; read?: () => Promise<HttpFigures> } = {};
    const measure = async (...args: Parameters<typeof measureOnce>): Promise<HttpFigures> => {
      const fig = await measureOnce(...args);
      http.push(fig);
      const kind = baselineKind(fig);
      const again = kind && baselineRuns[kind];
      if (ADJACENT && again) {
        const base = await again();
        fig.adjacentBaseline = {
          requestsPerSecond: base.requestsPerSecond,
          vsRequestsPerSecond: +(fig.requestsPerSecond / base.requestsPerSecond).toFixed(2),
        };
      }
      return fig;
    };

    const body = JSON.stringify({ title: 'bench', price: 10 });
    const insertOpts: AutocannonOptions = { url: `${info.baselineUrl}/api/baseline`, method: 'POST', headers: json, body };
    const baseline = runs('baseline') ? await measure('baseline: bare POST (express + mongoose insert)', insertOpts, {}, false) : undefined;
    if (baseline) baselineRuns.insert = () => measureOnce(`${baseline.name}, again`, insertOpts, {}, false);
    // The read baseline: a bare findById on documents the insert baseline (or this) wrote.
    let baselineGet: HttpFigures | undefined;
    if (runs('baseline-get')) {
      const items = await mapLimit(
        Array.from({ length: SPREAD }, (_, i) => i),
        CONNECTIONS,
        async () => {
          const res = await fetch(`${info.baselineUrl}/api/baseline`, { method: 'POST', headers: json, body });
          return ((await res.json()) as { _id: string })._id;
        },
      );
      let k = 0;
      const readOpts: AutocannonOptions = {
        url: info.baselineUrl,
        method: 'GET',
        requests: [{ setupRequest: (req) => ({ ...req, path: `/api/baseline/${items[k++ % items.length]}` }) }],
      };
      const read = await measure(`baseline: bare GET (express + mongoose findById, round robin over ${SPREAD})`, readOpts, {}, false);
      baselineGet = read;
      baselineRuns.read = () => measureOnce(`${read.name}, again`, readOpts, {}, false);
    }
    if (runs('post-tickets')) {
      await measure(
        'POST /api/tickets',
        { url: `${info.url}/api/tickets`, method: 'POST', headers: { ...json, cookie: seller }, body },
        {},
        true,
      );
    }

    const spread = runs('put-tickets') || runs('get-ticket') ? await createTickets(info.url, seller, SPREAD) : [];
    await waitForQuiet(ticketsDb, ordersDb);
    const roundRobin = (make: (id: string, n: number) => AutocannonRequest): AutocannonRequest[] => {
      let n = 0;
      return [{ setupRequest: (req) => ({ ...req, ...make(spread[n % spread.length], (n += 1)) }) }];
    };
    if (runs('put-tickets')) {
      await measure(
        `PUT /api/tickets/:id (round robin over ${SPREAD} tickets)`,
        {
          url: info.url,
          method: 'PUT',
          headers: { ...json, cookie: seller },
          requests: roundRobin((id, n) => ({ path: `/api/tickets/${id}`, body: JSON.stringify({ title: 'bench', price: 10 + (n % 90) }) })),
        },
        {},
        true,
      );
    }
    if (runs('get-ticket')) {
      await measure(
        `GET /api/tickets/:id (round robin over ${SPREAD} tickets)`,
        { url: info.url, method: 'GET', requests: roundRobin((id) => ({ path: `/api/tickets/${id}` })) },
        {},
        false,
      );
    }

    // Orders: one fresh ticket per request, every one already replicated in orders.
    const fresh = runs('post-orders') ? await createTickets(info.url, seller, ORDERS + WARMUP_ORDERS) : [];
    await waitForQuiet(ticketsDb, ordersDb);
    let nextFresh = 0;
    const buyers = runs('post-orders')
      ? await mapLimit(
          Array.from({ length: BUYERS }, (_, i) => i),
          CONNECTIONS,
          () => signup(info.url),
        )
      : [];
    const orderRequests: AutocannonRequest[] = [
      {
        setupRequest: (req) => {
          const n = nextFresh++;
          return {
            ...req,
            headers: { ...req.headers, cookie: buyers[n % buyers.length] },
            body: JSON.stringify({ ticketId: fresh[n % fresh.length] }),
          };
        },
      },
    ];
    if (runs('post-orders')) {
      await measure(
        `POST /api/orders (a fresh ticket each, ${BUYERS} buyers)`,
        { url: `${info.url}/api/orders`, method: 'POST', headers: json, requests: orderRequests, amount: ORDERS },
        { amount: WARMUP_ORDERS },
        true,
      );
    }

    // Payments: one order per request, each already replicated in payments, paid with the Visa test card.
    if (runs('post-payments')) {
      const orderIds = await payableOrders(
        info.url,
        buyer,
        await createTickets(info.url, seller, PAYMENTS + WARMUP_PAYMENTS + SAMPLES),
        paymentsDb,
      );
      await waitForQuiet(ticketsDb, ordersDb);
      let nextOrder = 0;
      const paymentRequests: AutocannonRequest[] = [
        { setupRequest: (req) => ({ ...req, body: JSON.stringify({ orderId: orderIds[nextOrder++], token: 'tok_visa' }) }) },
      ];
      await measure(
        'POST /api/payments (a fresh order each)',
        {
          url: `${info.url}/api/payments`,
          method: 'POST',
          headers: { ...json, cookie: buyer },
          requests: paymentRequests,
          amount: PAYMENTS,
        },
        { amount: WARMUP_PAYMENTS },
        true,
        () => waitForCompletions(ordersDb, paymentsDb),
        completionPollNamespaces(ordersDb, paymentsDb),
      );
      // One payment at a time: its 201 → the order is complete in orders.
      const completions: number[] = [];
      for (const orderId of orderIds.slice(PAYMENTS + WARMUP_PAYMENTS)) {
        const res = await fetch(`${info.url}/api/payments`, {
          method: 'POST',
          headers: { ...json, cookie: buyer },
          body: JSON.stringify({ orderId, token: 'tok_visa' }),
        });
        const answered = performance.now();
        if (res.status !== 201) throw new Error(`a payment failed: ${res.status} ${await res.text()}`);
        const _id = new mongoose.Types.ObjectId(orderId);
        while (!(await ordersDb.collection('orders').findOne({ _id, status: 'complete' }, { projection: { _id: 1 } }))) await sleep(2);
        completions.push(performance.now() - answered);
      }
      propagation['payment 201 → order complete'] = latencyFigures(completions);
    }

    for (const fig of http) {
      const kind = baselineKind(fig);
      // Without the read baseline in the run, reads compare with the insert.
      const base = kind === 'read' && baselineGet ? baselineGet : kind ? baseline : undefined;
      if (!base) continue;
      fig.baseline = base.name;
      fig.vsBaseline = {
        requestsPerSecond: +(fig.requestsPerSecond / base.requestsPerSecond).toFixed(2),
        p50: +(fig.latencyMs.p50 / base.latencyMs.p50).toFixed(2),
        p99: +(fig.latencyMs.p99 / base.latencyMs.p99).toFixed(2),
      };
      fig.cpuMsPerRequest.vsBaseline = +(fig.cpuMsPerRequest.total / Math.max(0.001, base.cpuMsPerRequest.total)).toFixed(1);
    }

    // Propagation, one write at a time: 2xx answer → visible in the orders replica.
    if (runs('propagation')) process.stderr.write('propagation: measuring\n');
    const created: number[] = [];
    const updated: number[] = [];
    const replica = ordersDb.collection<{ _id: mongoose.Types.ObjectId; version: number }>('tickets');
    const visible = async (id: string, version: number): Promise<number> => {
      const _id = new mongoose.Types.ObjectId(id);
      for (;;) {
        const doc = await replica.findOne({ _id }, { projection: { version: 1 } });
        if (doc && doc.version >= version) return performance.now();
        await sleep(2);
      }
    };
    for (let i = 0; i < (runs('propagation') ? SAMPLES : 0); i += 1) {
      const res = await fetch(`${info.url}/api/tickets`, { method: 'POST', headers: { ...json, cookie: seller }, body });
      const answered = performance.now();
      const { id } = (await res.json()) as { id: string };
      created.push((await visible(id, 0)) - answered);
      const put = await fetch(`${info.url}/api/tickets/${id}`, {
        method: 'PUT',
        headers: { ...json, cookie: seller },
        body: JSON.stringify({ title: 'bench', price: 11 }),
      });
      const putAnswered = performance.now();
      await put.arrayBuffer();
      updated.push((await visible(id, 1)) - putAnswered);
    }
    if (runs('propagation')) {
      propagation['ticket:created'] = latencyFigures(created);
      propagation['ticket:updated'] = latencyFigures(updated);
    }
    if (DATA_SIZES.length > 0) {
      const dataBuyerCookie = await signup(info.url);
      const me = await fetch(`${info.url}/api/users/currentuser`, { headers: { cookie: dataBuyerCookie } });
      const { currentUser } = (await me.json()) as { currentUser: { id: string } };
      dataSize = await runDataSize({
        url: info.url,
        client: observer,
        sizes: DATA_SIZES,
        durationSeconds: DATA_DURATION,
        repeats: DATA_REPEATS,
        connections: CONNECTIONS,
        seller: { cookie: seller },
        buyer: { cookie: dataBuyerCookie, id: currentUser.id },
        newBuyers: (count) =>
          mapLimit(
            Array.from({ length: count }, (_, i) => i),
            CONNECTIONS,
            () => signup(info.url),
          ),
        ordersPerBuyer: ORDERS_PER_BUYER,
        mongodPid: info.pids.mongod,
        pids: { ...info.pids, bench: process.pid },
        freshTickets: async (count) => {
          // From the start of this second: every id the tickets service gives from now on sorts after it.
          const since = mongoose.Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000));
          const ids = await createTickets(info.url, seller, count);
          await waitForQuiet(ticketsDb, ordersDb, since);
          return ids;
        },
        log: (line) => process.stderr.write(`${line}\n`),
      });
    }
  } catch (err) {
    process.stderr.write(`${output.slice(-100).join('\n')}\n`);
    throw err;
  } finally {
    await observer.close().catch(() => undefined);
    await stopHost(host);
  }

  if (!flag('skip-outbox')) {
    process.stderr.write('outbox relay: measuring (outbox-bench.js)\n');
    const out = execFileSync(process.execPath, [path.join(__dirname, 'outbox-bench.js'), '--json'], { cwd: ROOT }).toString();
    relay = JSON.parse(out.trim().split('\n').pop()!);
  }

  const profiles: Record<string, { top: SelfTime[]; byOrigin: SelfTime[] }> = {};
  if (profileDir) {
    const names = new Map(Object.entries(info.pids).map(([name, pid]) => [String(pid), name]));
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const name = names.get(file.split('.')[3]);
      // Other processes that inherited the profiler (mongodb-memory-server's helpers) are left out.
      if (!name) continue;
      profiles[name] = {
        top: topSelfTime(path.join(profileDir, file)).map((t) => ({ ...t, share: +t.share.toFixed(3) })),
        byOrigin: selfTimeByOrigin(path.join(profileDir, file))
          .slice(0, 12)
          .map((t) => ({ ...t, share: +t.share.toFixed(3) })),
      };
    }
  }

  let natsVersion = 'unknown';
  try {
    natsVersion = execFileSync('nats-server', ['--version'], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` } })
      .toString()
      .trim();
  } catch {
    // not on PATH
  }
  const results = {
    benchmark: 'suite',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
      natsServer: natsVersion,
      loadAverageBefore: loadBefore.map((l) => +l.toFixed(2)),
      loadAverageAfter: os.loadavg().map((l) => +l.toFixed(2)),
    },
    settings: {
      scenarios: [...ONLY],
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      spreadTickets: SPREAD,
      orders: ORDERS,
      orderBuyers: BUYERS,
      payments: PAYMENTS,
      propagationSamples: SAMPLES,
      profiled: PROFILE || undefined,
    },
    http,
    propagationMs: propagation,
    outboxRelay: relay,
    ...(dataSize ? { dataSize } : {}),
    ...(profileDir ? { profiles, profileDir } : {}),
  };
  if (OUT) {
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  }
  printTable(results.http, propagation, relay);
  for (const sized of dataSize ?? []) {
    const routes = sized.routes.map(
      (r) =>
        `${r.name} ${r.requestsPerSecond} req/s (runs ${r.runs.join(', ')}) p99 ${r.p99} ms${r.non2xx ? ` (${r.non2xx} non-2xx)` : ''}`,
    );
    console.log(`data size ${sized.size} (seeded in ${sized.seedSeconds} s): ${routes.join('; ')}`);
    console.log(`  CPU at rest after the seed: ${JSON.stringify(sized.idleCpu)}`);
    for (const r of sized.routes) {
      console.log(
        `  CPU during ${r.name}: ${JSON.stringify(r.cpu)}; in the double, µs per request: ${JSON.stringify(r.doubleMicrosPerRequest)}, collector pauses (ms): ${JSON.stringify(r.doubleGcMs)}`,
      );
    }
  }
  if (profileDir) console.log(JSON.stringify(profiles, null, 2));
}

/** Which baseline a route compares with: reads with the bare read, writes with the bare insert; none for a baseline. */
function baselineKind(fig: HttpFigures): 'read' | 'insert' | undefined {
  if (fig.name.startsWith('baseline')) return undefined;
  return fig.name.startsWith('GET') ? 'read' : 'insert';
}

function printTable(http: HttpFigures[], propagation: Record<string, LatencyFigures>, relay: unknown): void {
  console.log('| measure | req/s | p50 ms | p99 ms | vs baseline (req/s, p50, p99) | non-2xx | CPU (share of a core) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const f of http) {
    const cpu = Object.entries(f.cpu)
      .filter(([, share]) => share >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([name, share]) => `${name} ${share}`)
      .join(', ');
    const adjacent = f.adjacentBaseline
      ? ` (${f.adjacentBaseline.vsRequestsPerSecond} of ${f.adjacentBaseline.requestsPerSecond} req/s right after)`
      : '';
    const ratio = f.vsBaseline ? `${f.vsBaseline.requestsPerSecond} / ${f.vsBaseline.p50} / ${f.vsBaseline.p99}${adjacent}` : '';
    console.log(
      `| ${f.name} | ${f.requestsPerSecond} | ${f.latencyMs.p50} | ${f.latencyMs.p99} | ${ratio} | ${f.non2xx + f.errors} | ${cpu} |`,
    );
  }
  for (const [subject, p] of Object.entries(propagation)) {
    console.log(`| ${subject.includes('→') ? subject : `propagation ${subject} (2xx → orders replica)`} | | ${p.p50} | ${p.p99} | | | |`);
  }
  const catchUp = http.filter((f) => f.catchUpMs !== undefined).map((f) => `${f.name}: ${f.catchUpMs} ms`);
  console.log(`catch-up after write runs: ${catchUp.join('; ')}`);
  for (const f of http) {
    if (!f.dbCommandsPerRequest) continue;
    const byName = Object.entries(f.dbCommandsPerRequest.byName)
      .sort((a, b) => b[1] - a[1])
      .map(([command, n]) => `${command} ${n}`)
      .join(', ');
    const byCollection = Object.entries(f.dbCommandsPerRequest.byCollection)
      .sort((a, b) => b[1] - a[1])
      .map(([ns, n]) => `${ns} ${n}`)
      .join(', ');
    console.log(`database commands per request, ${f.name}: ${f.dbCommandsPerRequest.total} (${byName}; by collection: ${byCollection})`);
  }
  for (const f of http) {
    const { total, byProcess, vsBaseline } = f.cpuMsPerRequest;
    const parts = Object.entries(byProcess)
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
    console.log(`CPU ms per request, ${f.name}: ${total}${vsBaseline === undefined ? '' : ` (${vsBaseline} × the baseline's)`} (${parts})`);
  }
  if (relay) console.log(`outbox relay: ${JSON.stringify(relay)}`);
}

main().then(
  // Keep-alive sockets and autocannon's timers would otherwise hold the process open.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
