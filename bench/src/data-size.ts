/**
 * The data-size scenario (`--data 1000,100000`): at each size N, seed N users, N tickets and N orders
 * (cancelled, so they hold no ticket) straight into the services' databases in the models' shapes (not through
 * HTTP), then measure each route's req/s and p99 with autocannon. Sizes are cumulative: the seed tops
 * the collections up to N. The figures show whether a route's cost grows with the data (a collection
 * scan) or not (an index range).
 */
import crypto from 'node:crypto';
import autocannon, { type AutocannonOptions, type AutocannonRequest } from 'autocannon';
import mongoose from 'mongoose';

type MongoClient = InstanceType<typeof mongoose.mongo.MongoClient>;
type Db = ReturnType<MongoClient['db']>;

export interface DataSizeFigures {
  size: number;
  seedSeconds: number;
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
      // Every 100th order is the measured buyer's, so GET /api/orders has a few pages to read.
      userId: i % 100 === 0 ? buyerId : new ObjectId().toHexString(),
      status: 'cancelled',
      active: false,
      expiresAt: new Date(),
      version: 1,
      ticket: { id: new ObjectId().toHexString(), title: `seeded ${i}`, price: 10, version: 0 },
    };
  });
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
  /** Free tickets already replicated in orders, one per order placed. */
  freshTickets: (count: number) => Promise<string[]>;
  log: (line: string) => void;
}

/** Runs the scenario at each size, in increasing order. */
export async function runDataSize(opts: DataSizeOptions): Promise<DataSizeFigures[]> {
  const results: DataSizeFigures[] = [];
  for (const size of [...opts.sizes].sort((a, b) => a - b)) {
    opts.log(`data size ${size}: seeding`);
    const started = Date.now();
    await seed(opts.client, size, opts.buyer.id);
    const seedSeconds = +((Date.now() - started) / 1000).toFixed(1);
    const sample = await opts.client
      .db('tickets')
      .collection('tickets')
      .aggregate<{ _id: InstanceType<typeof ObjectId> }>([{ $sample: { size: 200 } }, { $project: { _id: 1 } }])
      .toArray();
    const ids = sample.map((row) => row._id.toHexString());
    let n = 0;
    const roundRobin: AutocannonRequest[] = [{ setupRequest: (req) => ({ ...req, path: `/api/tickets/${ids[n++ % ids.length]}` }) }];
    const fresh = await opts.freshTickets(Math.max(50, opts.durationSeconds * 40));
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
          amount: fresh.length,
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
    results.push({ size, seedSeconds, routes: figures });
  }
  return results;
}
