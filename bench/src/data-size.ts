/**
 * The data-size scenario (`--data 1000,100000`): at each size N, seed N users, N tickets and N orders
 * (cancelled, so they hold no ticket) straight into the services' databases in the models' shapes (not through
 * HTTP), then measure each route's req/s and p99 with autocannon, each after an unmeasured warm-up
 * run of the same route (so the first size is not measured on cold processes). Sizes are cumulative: the seed tops
 * the collections up to N. The figures show whether a route's cost grows with the data (a collection
 * scan) or not (an index range). At each size it also times a pass of each outbox relay (tickets' read
 * of the tickets holding events; orders' read of the unpublished rows, with N published rows kept for
 * retention) and of the expiry sweeper (its read of
 * the due orders), and reads the double's resident memory.
 */
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import autocannon, { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
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
  routes: Array<{ name: string; requestsPerSecond: number; p99: number; non2xx: number }>;
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
  connections: number;
  seller: { cookie: string };
  /** The buyer whose orders GET /api/orders lists. */
  buyer: { cookie: string; id: string };
  /** Buyers POST /api/orders rotates through (one buyer's placements serialise on its gate). */
  buyerCookies: string[];
  /** The double's process, for its resident memory. */
  mongodPid?: number;
  /** Free tickets already replicated in orders, one per order placed. */
  freshTickets: (count: number) => Promise<string[]>;
  log: (line: string) => void;
}

/** Runs the scenario at each size, in increasing order. */
const WARM_UP_SECONDS = 2;
const WARM_UP_ORDERS = 60;

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
    const measuredOrders = Math.max(50, opts.durationSeconds * 40);
    const fresh = await opts.freshTickets(measuredOrders + WARM_UP_ORDERS);
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
                const cookie = opts.buyerCookies[i % opts.buyerCookies.length];
                return { ...req, headers: { ...req.headers, cookie }, body: JSON.stringify({ ticketId: fresh[i % fresh.length] }) };
              },
            },
          ],
        },
      ],
    ];
    const figures: DataSizeFigures['routes'] = [];
    for (const [name, options] of routes) {
      opts.log(`data size ${size}: ${name}`);
      const warmUp = options.amount === undefined ? { duration: WARM_UP_SECONDS } : { amount: WARM_UP_ORDERS };
      await Promise.resolve(autocannon({ connections: opts.connections, timeout: 30, ...options, ...warmUp }));
      const result = await Promise.resolve(
        autocannon({ connections: opts.connections, duration: opts.durationSeconds, timeout: 30, ...options }),
      );
      figures.push({
        name,
        requestsPerSecond: Math.round(result['2xx'] / result.duration),
        p99: result.latency.p99,
        non2xx: result.non2xx + result.errors + result.timeouts,
      });
    }
    const previous = results.at(-1);
    const rssMiBPer100kDocuments =
      previous?.doubleRssMiB !== undefined && doubleRssMiB !== undefined && documents > previous.documents
        ? +(((doubleRssMiB - previous.doubleRssMiB) / (documents - previous.documents)) * 100_000).toFixed(1)
        : undefined;
    results.push({ size, seedSeconds, documents, doubleRssMiB, rssMiBPer100kDocuments, passes: passFigures, routes: figures });
  }
  return results;
}
