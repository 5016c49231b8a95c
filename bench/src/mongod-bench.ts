// Throughput of the MongoDB test double through mongoose: sequential single inserts, then point reads
// by _id. Run with `npm run build && npm run bench:mongod`.
import os from 'node:os';
import mongoose, { Schema } from 'mongoose';
import { mongoUriWithDatabase, startMongo } from '@ticketing/testkit';

const INSERTS = Number(process.env.BENCH_INSERTS ?? 5000);
const READS = Number(process.env.BENCH_READS ?? 5000);

interface BenchTicket {
  title: string;
  price: number;
  userId: string;
}

async function main(): Promise<void> {
  const mongo = await startMongo();
  const connection = await mongoose.createConnection(mongoUriWithDatabase(mongo.uri, 'bench')).asPromise();
  try {
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
    };
    console.log(JSON.stringify(result));
    console.log(
      `mongod double via mongoose: ${result.insertsPerSecond} inserts/s (${INSERTS} sequential creates), ` +
        `${result.pointReadsPerSecond} point reads/s by _id (${READS} findById) on ${result.cpus} CPUs, Node ${process.version}`,
    );
  } finally {
    await connection.close();
    await mongo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
