// Client CPU per write, through mongoose and through the driver, on the MongoDB test double: the
// writes of the order path in the shapes the services use (an order with its ticket snapshot and a
// validate hook, the buyer's gate as a pipeline findOneAndUpdate, a replica upsert with update
// validators, auth's session touch). The services take the driver path for these; this measures what
// that saves. Run with `npm run build && npm run bench:write-path`.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose, { Schema } from 'mongoose';
import { runOnDouble } from './double-connection';

const OPS = Number(process.env.BENCH_WRITE_OPS ?? 3000);
const OUT = process.env.BENCH_OUT ?? path.resolve(__dirname, '../results-write-path.json');

interface WriteFigure {
  write: string;
  mongooseCpuMs: number;
  driverCpuMs: number;
}

/** Client CPU (user + system) per call of `op`, in ms, over OPS calls after OPS / 3 to warm up. */
async function cpuPerOp(op: (i: number) => Promise<unknown>): Promise<number> {
  const warmup = Math.ceil(OPS / 3);
  for (let i = 0; i < warmup; i++) await op(OPS + i);
  const before = process.cpuUsage();
  for (let i = 0; i < OPS; i++) await op(i);
  const used = process.cpuUsage(before);
  return +((used.user + used.system) / OPS / 1000).toFixed(3);
}

function models(connection: mongoose.Connection) {
  const snapshot = new Schema(
    { id: { type: String, required: true, match: /^[0-9a-f]{24}$/ }, title: String, price: { type: Number, min: 0 }, version: Number },
    { _id: false },
  );
  const order = new Schema(
    {
      userId: { type: String, required: true },
      status: { type: String, required: true, enum: ['created', 'cancelled'] },
      expiresAt: { type: Date, required: true },
      ticket: { type: snapshot, required: true },
      active: { type: Boolean, default: true },
      reservation: { type: Number, min: 1 },
    },
    { versionKey: 'version' },
  );
  order.pre('validate', function deriveActive() {
    this.active = this.status !== 'cancelled';
  });
  return {
    order: connection.model('BenchOrder', order),
    gate: connection.model('BenchGate', new Schema({ _id: String, placements: Number, openExpiries: [Date] }, { versionKey: false })),
    replica: connection.model(
      'BenchReplica',
      new Schema({ title: { type: String, required: true }, price: { type: Number, required: true, min: 0 }, version: Number }),
    ),
    session: connection.model(
      'BenchSession',
      new Schema({ jti: { type: String, unique: true }, revokedAt: Date, expiresAt: Date, lastSeenAt: Date }, { versionKey: false }),
    ),
  };
}

runOnDouble(async (connection) => {
  const { order, gate, replica, session } = models(connection);
  for (const model of [order, gate, replica, session]) await model.init();
  const orderAttrs = (i: number) => ({
    userId: `user-${i}`,
    status: 'created',
    expiresAt: new Date(Date.now() + 900_000),
    ticket: { id: new mongoose.Types.ObjectId().toHexString(), title: 'bench', price: 10, version: 0 },
    reservation: 1,
  });
  const gateUpdate = (now: Date) => [
    {
      $set: {
        placements: { $add: [{ $ifNull: ['$placements', 0] }, 1] },
        openExpiries: {
          $slice: [
            { $concatArrays: [{ $filter: { input: { $ifNull: ['$openExpiries', []] }, cond: { $gt: ['$$this', now] } } }, [now]] },
            -6,
          ],
        },
      },
    },
  ];
  const replicaIds = Array.from({ length: 2 * (OPS + Math.ceil(OPS / 3)) }, () => new mongoose.Types.ObjectId());
  const far = new Date(Date.now() + 3_600_000);
  await session.collection.insertMany(
    Array.from({ length: 100 }, (_, i) => ({ jti: `jti-${i}`, revokedAt: null, expiresAt: far, lastSeenAt: new Date() })),
  );
  const touchFilter = (i: number) => ({ jti: `jti-${i % 100}`, revokedAt: null, expiresAt: { $gt: new Date() } });
  const half = replicaIds.length / 2;

  const figures: WriteFigure[] = [
    {
      write: 'insert an order (save; validateSync + insertOne)',
      mongooseCpuMs: await cpuPerOp((i) => order.create(orderAttrs(i))),
      driverCpuMs: await cpuPerOp((i) => {
        const row = { _id: new mongoose.Types.ObjectId(), ...orderAttrs(i), active: true, version: 0 };
        const invalid = new order(row).validateSync();
        if (invalid) throw invalid;
        return order.collection.insertOne(row);
      }),
    },
    {
      write: "the buyer's gate (pipeline findOneAndUpdate)",
      mongooseCpuMs: await cpuPerOp((i) =>
        gate
          .findOneAndUpdate({ _id: `g${i % 50}` }, gateUpdate(new Date()), { new: true, upsert: true, projection: { openExpiries: 1 } })
          .lean(),
      ),
      driverCpuMs: await cpuPerOp((i) =>
        (gate.collection as unknown as mongoose.mongo.Collection<{ _id: string }>).findOneAndUpdate(
          { _id: `g${i % 50}` },
          gateUpdate(new Date()),
          {
            returnDocument: 'after',
            upsert: true,
            projection: { openExpiries: 1 },
          },
        ),
      ),
    },
    {
      write: 'a replica upsert (updateOne, update validators)',
      mongooseCpuMs: await cpuPerOp((i) =>
        replica.updateOne(
          { _id: replicaIds[i] },
          { $setOnInsert: { title: 't', price: 10, version: 0 } },
          { upsert: true, runValidators: true },
        ),
      ),
      driverCpuMs: await cpuPerOp((i) =>
        replica.collection.updateOne(
          { _id: replicaIds[half + i] },
          { $setOnInsert: { title: 't', price: 10, version: 0 } },
          { upsert: true },
        ),
      ),
    },
    {
      write: "auth's session touch (findOneAndUpdate; updateOne)",
      mongooseCpuMs: await cpuPerOp((i) =>
        session.findOneAndUpdate(touchFilter(i), { $set: { lastSeenAt: new Date() } }, { projection: { _id: 1 } }),
      ),
      driverCpuMs: await cpuPerOp((i) => session.collection.updateOne(touchFilter(i), { $set: { lastSeenAt: new Date() } })),
    },
  ];

  const result = {
    bench: 'write-path',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    ops: OPS,
    figures,
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log('| write | client CPU per write, mongoose | through the driver |');
  console.log('|---|---|---|');
  for (const f of figures) console.log(`| ${f.write} | ${f.mongooseCpuMs} ms | ${f.driverCpuMs} ms |`);
});
