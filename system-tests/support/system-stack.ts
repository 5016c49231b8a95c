import mongoose from 'mongoose';
import { mongoUriWithDatabase, startMongo } from '@ticketing/testkit';
import { startLocalStack, SERVICE_NAMES, type LocalStack, type LocalStackOptions } from '@ticketing/local-stack';

type MongoClient = InstanceType<typeof mongoose.mongo.MongoClient>;
export type Db = ReturnType<MongoClient['db']>;

/**
 * Keeps the stack's output (services, gateway) in memory and prints its tail only when a test fails,
 * so a green run stays quiet and a red one shows what the processes said.
 */
class StackLog {
  private readonly lines: string[] = [];

  constructor(private readonly keep = 3_000) {}

  readonly line = (text: string): void => {
    this.lines.push(text);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  };

  tail(count = 200): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Runs `fn`; if it throws, prints the last lines of the stack's output, then rethrows. */
  async around<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      console.log(`--- last lines of the stack's output ---\n${this.tail()}`);
      throw err;
    }
  }
}

export interface SystemStack {
  stack: LocalStack;
  log: StackLog;
  /**
   * The orders service's database, opened by the test only to observe the ticket replica (which no
   * HTTP route exposes by itself). Tests never write through it: everything is driven through HTTP.
   */
  ordersDb: Db;
  /** The tickets service's database, read only to report its outbox backlog. */
  ticketsDb: Db;
  /** The payments service's database, read only to see its order replica. */
  paymentsDb: Db;
  stop(): Promise<void>;
}

export interface SystemStackOptions {
  replicas?: LocalStackOptions['replicas'];
  /** Extra settings passed to the services (e.g. EXPIRATION_WINDOW_SECONDS). */
  env?: NodeJS.ProcessEnv;
}

// Service processes still alive when the test process exits (a timeout, a crash) are killed, so
// nothing outlives the run. nats-server and the MongoDB double have their own exit hooks.
const liveStacks = new Set<LocalStack>();
process.once('exit', () => {
  for (const stack of liveStacks) {
    for (const replica of Object.values(stack.services).flat()) {
      const pid = replica.pid;
      if (replica.running && pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
});

/**
 * How long MongoDB keeps a transaction whose client died (mongod's default is 60 s). A service
 * SIGKILLed in the middle of a listener transaction leaves that transaction open, and the redelivered
 * event conflicts with it until it is aborted; the crash tests would wait out the whole lifetime.
 * Exactly-once does not depend on it, only how soon the stall ends.
 */
const TRANSACTION_LIFETIME_SECONDS = 10;

/**
 * The local stack as system tests use it: its own MongoDB double (one database per service) and
 * nats-server, never a shared one; quiet services (LOG_LEVEL=warn, output buffered); and a read-only
 * observer connection.
 */
export async function startSystemStack(opts: SystemStackOptions = {}): Promise<SystemStack> {
  const log = new StackLog();
  const mongo = await startMongo({ args: ['--setParameter', `transactionLifetimeLimitSeconds=${TRANSACTION_LIFETIME_SECONDS}`] });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    // Never the Jest run's server, broker or key: this stack's own.
    TEST_MONGO_URI: '',
    NATS_URL: '',
    JWT_PRIVATE_KEY: '',
    ...Object.fromEntries(SERVICE_NAMES.map((name) => [`MONGO_URI_${name.toUpperCase()}`, mongoUriWithDatabase(mongo.uri, name)])),
    ...opts.env,
  };
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ env, replicas: opts.replicas, log: log.line });
  } catch (err) {
    console.log(`--- the stack failed to start; its output ---\n${log.tail()}`);
    await mongo.stop();
    throw err;
  }
  liveStacks.add(stack);
  const observer: MongoClient = new mongoose.mongo.MongoClient(stack.mongoUris.orders);
  try {
    await observer.connect();
  } catch (err) {
    await stack.stop();
    liveStacks.delete(stack);
    await mongo.stop();
    throw err;
  }
  return {
    stack,
    log,
    ordersDb: observer.db('orders'),
    ticketsDb: observer.db('tickets'),
    paymentsDb: observer.db('payments'),
    async stop() {
      await observer.close().catch(() => undefined);
      await stack.stop();
      liveStacks.delete(stack);
      await mongo.stop();
    },
  };
}
