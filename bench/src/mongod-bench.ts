// Throughput of the MongoDB test double through mongoose: sequential single inserts, then point reads
// by _id; then the latency of indexed queries (orders' shapes) at 1,000 and 100,000 documents.
// Run with `npm run build && npm run bench:mongod`.
import os from 'node:os';
import mongoose, { Schema } from 'mongoose';
import { runOnDouble } from './double-connection';

const INSERTS = Number(process.env.BENCH_INSERTS ?? 5000);
const READS = Number(process.env.BENCH_READS ?? 5000);
const QUERY_SIZES = (process.env.BENCH_QUERY_SIZES ?? '1000,100000').split(',').map(Number);
/** Each query runs until this much time has passed (at least MIN_RUNS, at most MAX_RUNS times). */
const QUERY_BUDGET_MS = Number(process.env.BENCH_QUERY_BUDGET_MS ?? 3000);
const MIN_RUNS = 10;
const MAX_RUNS = 2000;
const STATUSES = ['created', 'awaiting:payment', 'complete', 'cancelled'];

type Collection = ReturnType<mongoose.Connection['collection']>;

interface QueryFigure {
  documents: number;
  query: string;
  runs: number;
  medianMs: number;
  meanMs: number;
}

/** Orders-shaped documents: most complete or cancelled, 2% still open and past their expiry. */
async function seedOrders(orders: Collection, size: number, now: number): Promise<mongoose.Types.ObjectId[]> {
  const tickets = Array.from({ length: Math.max(1, Math.floor(size / 2)) }, () => new mongoose.Types.ObjectId());
  await orders.createIndex({ ticket: 1, status: 1 });
  await orders.createIndex({ orderNo: 1 }, { unique: true });
  await orders.createIndex({ status: 1, expiresAt: 1 });
  await orders.createIndex({ createdAt: 1 });
  for (let start = 0; start < size; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(size, start + 1000); i++) {
      const open = i % 50 === 0;
      batch.push({
        ticket: tickets[i % tickets.length],
        userId: `user-${i % 500}`,
        orderNo: `order-${i}`,
        status: open ? STATUSES[i % 2] : STATUSES[2 + (i % 2)],
        expiresAt: new Date(now + (open ? -60_000 : 15 * 60_000)),
        createdAt: new Date(now - (size - i) * 1000),
        price: 10 + (i % 90),
      });
    }
    await orders.insertMany(batch, { ordered: false });
  }
  return tickets;
}

async function timeQuery(documents: number, query: string, run: (i: number) => Promise<unknown>): Promise<QueryFigure> {
  for (let i = 0; i < 3; i++) await run(i);
  const samples: number[] = [];
  const started = Date.now();
  while (samples.length < MAX_RUNS && (samples.length < MIN_RUNS || Date.now() - started < QUERY_BUDGET_MS)) {
    const start = process.hrtime.bigint();
    await run(samples.length);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    documents,
    query,
    runs: samples.length,
    medianMs: round(samples[Math.floor(samples.length / 2)]),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

/** The issue's queries (orders' reserved check, a unique lookup, a range with limit, the expiry sweep). */
async function queryFigures(connection: mongoose.Connection, size: number): Promise<QueryFigure[]> {
  const orders = connection.collection(`orders_${size}`);
  const now = Date.now();
  const tickets = await seedOrders(orders, size, now);
  const figures = [
    await timeQuery(size, 'findOne({ ticket, status: { $in } }) [ticket_1_status_1]', (i) =>
      orders.findOne({ ticket: tickets[(i * 7919) % tickets.length], status: { $in: ['created', 'awaiting:payment', 'complete'] } }),
    ),
    await timeQuery(size, 'findOne({ orderNo }) [unique]', (i) => orders.findOne({ orderNo: `order-${(i * 7919) % size}` })),
    await timeQuery(size, 'find({ createdAt: { $gte } }).limit(10)', (i) =>
      orders
        .find({ createdAt: { $gte: new Date(now - ((i * 7919) % size) * 1000) } })
        .limit(10)
        .toArray(),
    ),
    await timeQuery(size, 'find({ status: { $in }, expiresAt: { $lte: now } }) [status_1_expiresAt_1]', () =>
      orders.find({ status: { $in: ['created', 'awaiting:payment'] }, expiresAt: { $lte: new Date() } }).toArray(),
    ),
  ];
  await orders.drop();
  return figures;
}

interface BenchTicket {
  title: string;
  price: number;
  userId: string;
}

runOnDouble(async (connection) => {
  const Ticket = connection.model<BenchTicket>(
    'BenchTicket',
    new Schema<BenchTicket>({ title: String, price: Number, userId: { type: String, index: true } }),
  );
  await Ticket.init();
  // Warm-up, so connection setup and JIT are not measured.
  for (let i = 0; i < 200; i++) await Ticket.create({ title: `warm ${i}`, price: i, userId: 'warm' });

  const ids: string[] = [];
  let start = process.hrtime.bigint();
  for (let i = 0; i < INSERTS; i++) {
    const ticket = await Ticket.create({ title: `ticket ${i}`, price: 10 + (i % 90), userId: `user-${i % 50}` });
    ids.push(ticket.id as string);
  }
  const insertSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  start = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) {
    const found = await Ticket.findById(ids[i % ids.length]).lean();
    if (!found) throw new Error('read missed a document');
  }
  const readSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  const queries: QueryFigure[] = [];
  for (const size of QUERY_SIZES) queries.push(...(await queryFigures(connection, size)));

  const result = {
    bench: 'mongod-double',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    inserts: INSERTS,
    insertsPerSecond: Math.round(INSERTS / insertSeconds),
    reads: READS,
    pointReadsPerSecond: Math.round(READS / readSeconds),
    collectionSize: INSERTS + 200,
    queries,
  };
  console.log(JSON.stringify(result));
  console.log(
    `mongod double via mongoose: ${result.insertsPerSecond} inserts/s (${INSERTS} sequential creates), ` +
      `${result.pointReadsPerSecond} point reads/s by _id (${READS} findById) on ${result.cpus} CPUs, Node ${process.version}`,
  );
  for (const q of queries) {
    console.log(
      `${String(q.documents).padStart(7)} docs  ${q.medianMs.toFixed(3).padStart(8)} ms median  ${q.meanMs.toFixed(3).padStart(8)} ms mean  (${q.runs} runs)  ${q.query}`,
    );
  }
});
