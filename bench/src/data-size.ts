/**
 * The data-size scenario (`--data 1000,100000`): at each size N, seed N users, N tickets and N orders
 * (cancelled, so they hold no ticket) straight into the services' databases in the models' shapes (not through
 * HTTP), then measure each route's req/s and p99 with autocannon: every route is first run unmeasured
 * (so the first size is not measured on cold processes), then measured in `repeats` rounds over all
 * routes, and its median run is reported with the CPU each process used during it. Sizes are
 * cumulative: the seed tops the collections up to N. The figures show whether a route's cost grows with
 * the data (a collection scan) or not (an index range). At each size it also times a pass of each outbox
 * relay (tickets' read of the tickets holding events; orders' read of the unpublished rows, with N
 * published rows kept for retention) and of the expiry sweeper (its read of the due orders), reads the
 * double's resident memory, and reads each process's CPU while at rest after the seed. */
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import autocannon, { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
import { CpuMeter } from './process-cpu';
import { timedRun } from './timed-run';
import mongoose from 'mongoose';

type MongoClient = InstanceType<typeof mongoose.mongo.MongoClient>;
type Db = ReturnType<MongoClient['db']>;

export interface PassFigures {
  name: string;
  /** Median of 20 runs of the pass's query, as the service sends it. */
  medianMs: number;
  keysExamined: number;
  docsExamined: number;
  returned: number;
}

export interface DataSizeFigures {
  size: number;
  seedSeconds: number;
  /** Documents in the double's databases after the seed. */
  documents: number;
  /** The double's resident set (VmRSS), when its pid is known. */
  doubleRssMiB?: number;
  /** Growth of the resident set per 100,000 documents since the previous size. */
  rssMiBPer100kDocuments?: number;
  passes: PassFigures[];
  /** CPU each process used (share of one core) over IDLE_SECONDS with no requests, right after the seed. */
  idleCpu: Record<string, number>;
  routes: Array<{
    name: string;
    /** The median run's. */
    requestsPerSecond: number;
    /** Every run's, in the order they ran. */
    runs: number[];
    /** Every run's collector pauses in the double (ms by kind), in the order they ran. */
    doubleGcMsByRun: Array<Record<string, number>>;
    /** Every run's CPU by process (share of one core), in the order they ran. */
    cpuByRun: Array<Record<string, number>>;
    p99: number;
    non2xx: number;
    cpu: Record<string, number>;
    /** The median run's time in the double per request, by collection (µs, from its `top`). */
    doubleMicrosPerRequest: Record<string, number>;
    /** The median run's collector pauses in the double, ms by kind (serverStatus `testDouble.gc`). */
    doubleGcMs: Record<string, number>;
  }>;
}

interface RouteRun {
  requestsPerSecond: number;
  p99: number;
  non2xx: number;
  cpu: Record<string, number>;
  doubleMicrosPerRequest: Record<string, number>;
  doubleGcMs: Record<string, number>;
}

/** The double's collector pauses so far, total ms by kind (empty on a real mongod). */
async function gcTotals(client: MongoClient): Promise<Record<string, number>> {
  const status = await client.db('admin').command({ serverStatus: 1 });
  const gc = (status.testDouble as { gc?: Record<string, { totalMs: number }> } | undefined)?.gc ?? {};
  return Object.fromEntries(Object.entries(gc).map(([kind, pauses]) => [kind, pauses.totalMs]));
}

function gcSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([kind, ms]) => [kind, Math.round(ms - (before[kind] ?? 0))]));
}

/** The double's time so far on each collection (µs), from `top`. */
async function topMicros(client: MongoClient): Promise<Map<string, number>> {
  const { totals } = await client.db('admin').command({ top: 1 });
  const entries = Object.entries(totals as Record<string, { total?: { time?: unknown } }>).filter(([ns]) => ns !== 'note');
  return new Map(entries.map(([ns, usage]) => [ns, Number(usage.total?.time ?? 0)]));
}

/** Time per request on each collection between two `top` readings, largest first, leaving out under 1 µs. */
function microsPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): Record<string, number> {
  const per = [...after]
    .map(([ns, time]) => [ns, Math.round((time - (before.get(ns) ?? 0)) / Math.max(1, requests))] as const)
    .filter(([, micros]) => micros >= 1)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(per);
}

const BATCH = 1000;
const { ObjectId } = mongoose.Types;

async function topUp(db: Db, collection: string, target: number, make: (i: number) => Record<string, unknown>): Promise<void> {
  const have = await db.collection(collection).estimatedDocumentCount();
  for (let i = have; i < target; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, target - i) }, (_, k) => make(i + k));
    await db.collection(collection).insertMany(rows, { ordered: false });
  }
}

/** Seeds users, tickets (free) and orders (cancelled, each on its own ticket) up to `size`. */
async function seed(client: MongoClient, size: number, buyerId: string): Promise<void> {
  const hash = crypto.randomBytes(32).toString('hex');
  await topUp(client.db('auth'), 'users', size, (i) => ({ email: `seed-${i}@bench.dev`, password: hash, __v: 0 }));
  // Each seeded ticket also in orders' replica, as its ticket:created would have put it (the benchmark's
  // quiet check compares the two).
  const have = await client.db('tickets').collection('tickets').estimatedDocumentCount();
  for (let i = have; i < size; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, size - i) }, (_, k) => ({
      _id: new ObjectId(),
      title: `seeded ${i + k}`,
      price: 10 + ((i + k) % 90),
      version: 0,
    }));
    await client
      .db('tickets')
      .collection('tickets')
      .insertMany(rows.map((row) => ({ ...row, userId: new ObjectId().toHexString() })));
    await client.db('orders').collection('tickets').insertMany(rows);
  }
  await topUp(client.db('orders'), 'orders', size, (i) => {
    // Cancelled: they hold no ticket, so the quiet check's reservation count stays exact.
    return {
      // The first 100 and every 100th after are the measured buyer's: GET /api/orders reads a full
      // page (50) at every size, so its figures compare the same work.
      userId: i < 100 || i % 100 === 0 ? buyerId : new ObjectId().toHexString(),
      status: 'cancelled',
      active: false,
      expiresAt: new Date(),
      version: 1,
      ticket: { id: new ObjectId().toHexString(), title: `seeded ${i}`, price: 10, version: 0 },
      reservation: 1,
    };
  });
  // What the relay leaves behind: published rows, kept until the retention TTL removes them.
  await topUp(client.db('orders'), 'outbox', size, (i) => {
    const at = new Date();
    return {
      subject: 'order:cancelled',
      data: { id: new ObjectId().toHexString(), version: 1, ticket: { id: new ObjectId().toHexString(), reservation: 1 } },
      msgId: `seeded:${i}`,
      aggregateId: new ObjectId().toHexString(),
      aggregateVersion: 1,
      attempts: 1,
      createdAt: at,
      nextAttemptAt: at,
      publishedAt: at,
      claimedBy: null,
      claimedUntil: null,
    };
  });
}

const COUNTED = [
  ['auth', 'users'],
  ['tickets', 'tickets'],
  ['orders', 'tickets'],
  ['orders', 'orders'],
  ['orders', 'outbox'],
] as const;

async function documentCount(client: MongoClient): Promise<number> {
  const counts = await Promise.all(COUNTED.map(([db, collection]) => client.db(db).collection(collection).estimatedDocumentCount()));
  return counts.reduce((a, b) => a + b, 0);
}

function residentMiB(pid: number): number | undefined {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : undefined;
}

interface ExecutionStats {
  executionStats: { totalKeysExamined: number; totalDocsExamined: number; nReturned: number };
}

/**
 * One pass's query, timed 20 times and explained once. The shapes are those of the relays' reads
 * (common/src/outbox/embedded-outbox.ts and collection-relay-store.ts) and dueOrderIds (orders/src/domain/orders.ts); the services'
 * query-plans tests check that those stay indexed.
 */
async function passes(client: MongoClient): Promise<PassFigures[]> {
  const orders = client.db('orders');
  const tickets = client.db('tickets');
  const queries = [
    {
      name: 'tickets relay pass (tickets holding events)',
      cursor: () =>
        tickets.collection('tickets').find({ outboxPending: true }).sort({ outboxPending: 1, _id: 1 }).limit(200).project({ outbox: 1 }),
    },
    {
      name: 'relay pass (unpublished rows, head of each aggregate)',
      cursor: () => orders.collection('outbox').find({ publishedAt: null }).sort({ aggregateId: 1, aggregateVersion: 1 }).limit(100),
    },
    {
      name: 'expiry sweep (due orders)',
      cursor: () =>
        orders
          .collection('orders')
          .find({ status: 'created', expiresAt: { $lte: new Date() } })
          .sort({ expiresAt: 1 })
          .limit(100)
          .project({ _id: 1 }),
    },
  ];
  const figures: PassFigures[] = [];
  for (const { name, cursor } of queries) {
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const started = performance.now();
      await cursor().toArray();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const { executionStats } = (await cursor().explain('executionStats')) as unknown as ExecutionStats;
    figures.push({
      name,
      medianMs: +times[10].toFixed(2),
      keysExamined: executionStats.totalKeysExamined,
      docsExamined: executionStats.totalDocsExamined,
      returned: executionStats.nReturned,
    });
  }
  return figures;
}

export interface DataSizeOptions {
  url: string;
  client: MongoClient;
  sizes: number[];
  durationSeconds: number;
  /** Measured runs of each route at each size (the median is reported). */
  repeats: number;
  connections: number;
  seller: { cookie: string };
  /** The buyer whose orders GET /api/orders lists. */
  buyer: { cookie: string; id: string };
  /** Signs up buyers (their session cookies): each size's POST /api/orders gets its own. */
  newBuyers: (count: number) => Promise<string[]>;
  /** Orders each buyer places at a size (so every size's buyers have as many open orders). */
  ordersPerBuyer: number;
  /** The double's process, for its resident memory. */
  mongodPid?: number;
  /** The processes whose CPU is read during each run, by name. */
  pids: Record<string, number>;
  /** Free tickets already replicated in orders, one per order placed. */
  freshTickets: (count: number) => Promise<string[]>;
  log: (line: string) => void;
}

const WARM_UP_SECONDS = 2;
const WARM_UP_ORDERS = 60;
/** How long the processes' CPU is read while nothing is asked of them, after each seed. */
const IDLE_SECONDS = 3;

/** Warms every route up, then measures them in `repeats` rounds; each route's figure is its median run. */
async function measureRoutes(
  routes: Array<[string, AutocannonOptions]>,
  repeats: number,
  log: (line: string) => void,
  opts: Pick<DataSizeOptions, 'connections' | 'durationSeconds' | 'pids' | 'client'>,
): Promise<DataSizeFigures['routes']> {
  const meter = new CpuMeter(opts.pids);
  // Rounds over every route, so a drift of the machine during a size falls on all routes alike; each
  // route's figure is its median run.
  const runs = new Map<string, RouteRun[]>(routes.map(([name]) => [name, []]));
  for (const [name, options] of routes) {
    log(`${name} (warm-up)`);
    const warmUp = options.amount === undefined ? { duration: WARM_UP_SECONDS } : { amount: WARM_UP_ORDERS };
    await Promise.resolve(autocannon({ connections: opts.connections, timeout: 30, ...options, ...warmUp }));
  }
  for (let round = 0; round < repeats; round += 1) {
    for (const [name, options] of routes) {
      log(`${name} (run ${round + 1} of ${repeats})`);
      const topBefore = await topMicros(opts.client);
      const gcBefore = await gcTotals(opts.client);
      meter.start();
      const { result, requestsPerSecond } = await timedRun({
        connections: opts.connections,
        duration: opts.durationSeconds,
        timeout: 30,
        ...options,
      });
      const cpu = meter.stop();
      const doubleMicros = microsPerRequest(topBefore, await topMicros(opts.client), result['2xx']);
      const doubleGcMs = gcSince(gcBefore, await gcTotals(opts.client));
      runs.get(name)?.push({
        requestsPerSecond,
        p99: result.latency.p99,
        non2xx: result.non2xx + result.errors + result.timeouts,
        cpu,
        doubleMicrosPerRequest: doubleMicros,
        doubleGcMs,
      });
    }
  }
  return routes.map(([name]) => {
    const all = runs.get(name) ?? [];
    const median = [...all].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(all.length / 2)];
    return {
      name,
      requestsPerSecond: median.requestsPerSecond,
      runs: all.map((run) => run.requestsPerSecond),
      doubleGcMsByRun: all.map((run) => run.doubleGcMs),
      cpuByRun: all.map((run) => run.cpu),
      p99: median.p99,
      non2xx: all.reduce((sum, run) => sum + run.non2xx, 0),
      cpu: median.cpu,
      doubleMicrosPerRequest: median.doubleMicrosPerRequest,
      doubleGcMs: median.doubleGcMs,
    };
  });
}

/** Runs the scenario at each size, in increasing order. */
export async function runDataSize(opts: DataSizeOptions): Promise<DataSizeFigures[]> {
  const results: DataSizeFigures[] = [];
  for (const size of [...opts.sizes].sort((a, b) => a - b)) {
    opts.log(`data size ${size}: seeding`);
    const started = Date.now();
    await seed(opts.client, size, opts.buyer.id);
    const seedSeconds = +((Date.now() - started) / 1000).toFixed(1);
    const documents = await documentCount(opts.client);
    const doubleRssMiB = opts.mongodPid ? residentMiB(opts.mongodPid) : undefined;
    const passFigures = await passes(opts.client);
    // Work left from the seed (a garbage collector catching up, say) shows here as CPU with no requests.
    const meter = new CpuMeter(opts.pids);
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleCpu = meter.stop();
    const sample = await opts.client
      .db('tickets')
      .collection('tickets')
      .aggregate<{ _id: InstanceType<typeof ObjectId> }>([{ $sample: { size: 200 } }, { $project: { _id: 1 } }])
      .toArray();
    const ids = sample.map((row) => row._id.toHexString());
    let n = 0;
    const roundRobin: AutocannonRequest[] = [{ setupRequest: (req) => ({ ...req, path: `/api/tickets/${ids[n++ % ids.length]}` }) }];
    // Each route is first run unmeasured for WARM_UP_SECONDS (the first size would otherwise be measured
    // on cold processes); POST /api/orders warms up on tickets of its own, WARM_UP_ORDERS of them.
    // About the run's duration at 100 orders/s (a run that ends on a count of requests).
    const measuredOrders = Math.max(50, opts.durationSeconds * 100);
    const repeats = Math.max(1, opts.repeats);
    const fresh = await opts.freshTickets(measuredOrders * repeats + WARM_UP_ORDERS);
    // Fresh buyers at each size: a buyer's gate lists its open orders, so buyers carried over from the
    // previous size would make its placements cost more for reasons other than the data's size.
    const buyerCookies = await opts.newBuyers(Math.ceil(fresh.length / opts.ordersPerBuyer));
    let nextFresh = 0;
    const json = { 'content-type': 'application/json' };
    const routes: Array<[string, AutocannonOptions]> = [
      ['GET /api/tickets (first page)', { url: `${opts.url}/api/tickets` }],
      ['GET /api/tickets/:id', { url: opts.url, requests: roundRobin }],
      ['GET /api/orders (first page)', { url: `${opts.url}/api/orders`, headers: { cookie: opts.buyer.cookie } }],
      [
        'POST /api/tickets',
        {
          url: `${opts.url}/api/tickets`,
          method: 'POST',
          headers: { ...json, cookie: opts.seller.cookie },
          body: JSON.stringify({ title: 'sized', price: 10 }),
        },
      ],
      [
        'POST /api/orders',
        {
          url: `${opts.url}/api/orders`,
          method: 'POST',
          headers: json,
          amount: measuredOrders,
          requests: [
            {
              setupRequest: (req) => {
                const i = nextFresh++;
                const cookie = buyerCookies[i % buyerCookies.length];
                return { ...req, headers: { ...req.headers, cookie }, body: JSON.stringify({ ticketId: fresh[i % fresh.length] }) };
              },
            },
          ],
        },
      ],
    ];
    const figures = await measureRoutes(routes, Math.max(1, opts.repeats), (line) => opts.log(`data size ${size}: ${line}`), opts);
    const previous = results.at(-1);
    const rssMiBPer100kDocuments =
      previous?.doubleRssMiB !== undefined && doubleRssMiB !== undefined && documents > previous.documents
        ? +(((doubleRssMiB - previous.doubleRssMiB) / (documents - previous.documents)) * 100_000).toFixed(1)
        : undefined;
    results.push({ size, seedSeconds, documents, doubleRssMiB, rssMiBPer100kDocuments, passes: passFigures, idleCpu, routes: figures });
  }
  return results;
}
