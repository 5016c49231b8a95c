/**
 * Runs the local stack (gateway, services, MongoDB double, nats-server) and the baseline server for
 * the suite benchmark, in a process of its own so that the load generator does not share an event
 * loop with the gateway. Prints one JSON line (`BenchStackInfo`) once everything is ready; stops
 * everything on SIGTERM/SIGINT or when its stdin closes.
 *
 * BENCH_PROFILE=tickets,orders,mongod,baseline (optional) starts those processes with the CPU
 * profiler on (cpu-profile-preload.js); the profiles are written to $BENCH_PROFILE_DIR when they exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { mongoUriWithDatabase, startMongo, type TestMongo } from '@ticketing/testkit';
import { freeTcpPort, eventually } from '@ticketing/testkit';
import { createGateway, listen } from '@ticketing/local-stack';
import { SERVICE_NAMES, startLocalStack, type LocalStack, type ServiceName } from '@ticketing/local-stack';
import { ServiceProcess } from '@ticketing/local-stack';

export interface BenchStackInfo {
  /** The suite's gateway. */
  url: string;
  /** A gateway of the same kind in front of the baseline server (`POST /api/baseline`). */
  baselineUrl: string;
  mongoUris: Record<ServiceName, string>;
  natsUrl: string;
  /** Process ids to meter: host (both gateways), auth, tickets, orders, nats, mongod, baseline. */
  pids: Record<string, number>;
}

const ROOT = path.resolve(__dirname, '../..');
// One buyer places every order of the order and payment runs: no per-user cap here.
const MAX_ACTIVE_ORDERS = '1000000';
const profiled = new Set((process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean));
const profileDir = process.env.BENCH_PROFILE_DIR ?? path.join(ROOT, '.bench-profiles');
const profilerEnv = {
  NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile-preload.js')}`,
  BENCH_CPU_PROFILE_DIR: profileDir,
};

function childPid(parent: number, matching: RegExp): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)]).toString();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && matching.test(m[2])) return Number(m[1]);
  }
  return undefined;
}

/**
 * Replaces replica 0 of a service by one started with the CPU profiler on, and returns it: the stack's
 * stop() stops only the processes it started, so the caller stops this one (its profile is written
 * when it exits).
 */
async function profileService(stack: LocalStack, name: ServiceName): Promise<ServiceProcess> {
  const [original] = stack.services[name];
  await original.stop();
  // The stack's own environment for it (auth's lifted throttle, the broker user, the session keys),
  // so the profiled replica behaves as the one it replaces.
  const replica = new ServiceProcess({
    name,
    cwd: path.join(ROOT, name),
    env: { ...original.env, NATS_CLIENT_ID: `${name}-profiled-${crypto.randomBytes(3).toString('hex')}`, ...profilerEnv },
    // Auth's port is the other services' AUTH_URL.
    port: original.listenPort,
  });
  await replica.start();
  // The gateway reads this array per request.
  stack.services[name][0] = replica;
  return replica;
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void stopAll().then(() => process.exit(0));
  };
  // `on`, not `once`: the broker's exit hook re-raises a signal that has no listener left, which
  // would end this process before it has stopped the services.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.resume();

  try {
    // mongodb-memory-server spawns the double with this process's environment.
    const saved = { ...process.env };
    if (profiled.has('mongod')) Object.assign(process.env, profilerEnv);
    let mongo: TestMongo;
    try {
      mongo = await startMongo();
    } finally {
      for (const key of Object.keys(profilerEnv)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    cleanups.push(() => mongo.stop());
    const mongodPid = childPid(process.pid, /\/mongod(\s|$)/);

    const stack = await startLocalStack({
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        MAX_ACTIVE_ORDERS_PER_USER: MAX_ACTIVE_ORDERS,
        ...Object.fromEntries(SERVICE_NAMES.map((name) => [`MONGO_URI_${name.toUpperCase()}`, mongoUriWithDatabase(mongo.uri, name)])),
      },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    cleanups.push(() => stack.stop());
    for (const name of SERVICE_NAMES) {
      if (!profiled.has(name)) continue;
      const replica = await profileService(stack, name);
      cleanups.push(() => replica.stop());
    }

    const baselinePort = await freeTcpPort();
    const baseline: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'baseline-server.js')], {
      env: {
        PATH: process.env.PATH,
        PORT: String(baselinePort),
        MONGO_URI: mongoUriWithDatabase(mongo.uri, 'baseline'),
        ...(profiled.has('baseline') ? profilerEnv : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const baselineExited = new Promise((resolve) => baseline.once('exit', resolve));
    cleanups.push(async () => {
      if (baseline.exitCode === null && baseline.signalCode === null) baseline.kill('SIGTERM');
      await baselineExited;
    });
    const baselineTarget = `http://127.0.0.1:${baselinePort}`;
    await eventually(async () => (await fetch(`${baselineTarget}/healthz`)).ok, 'the baseline server', 30_000);
    const gatewayPort = await freeTcpPort();
    const baselineGateway: http.Server = await listen(createGateway({ '/api/baseline': () => [baselineTarget] }), gatewayPort);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          baselineGateway.close(() => resolve());
          baselineGateway.closeAllConnections();
        }),
    );

    const pids: Record<string, number> = { gateway: process.pid, baseline: baseline.pid! };
    for (const name of SERVICE_NAMES) pids[name] = stack.services[name][0].pid!;
    if (stack.nats?.pid) pids.nats = stack.nats.pid;
    if (mongodPid) pids.mongod = mongodPid;
    const info: BenchStackInfo = {
      url: stack.url,
      baselineUrl: `http://127.0.0.1:${gatewayPort}`,
      mongoUris: stack.mongoUris,
      natsUrl: stack.natsUrl,
      pids,
    };
    process.stdout.write(`${JSON.stringify(info)}\n`);
  } catch (err) {
    process.stderr.write(`bench stack failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll();
    process.exit(1);
  }
}

void main();
