import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from './eventually';
import {
  freeTcpPort,
  isPortTaken,
  launchNatsServer,
  makeStoreDir,
  natsServerBinary,
  releaseStoreDir,
  waitForExit,
  type NatsUser,
} from './nats-server';

export interface StartNatsClusterOptions {
  /** How many nats-server processes (default 3: the smallest cluster that survives losing one). */
  size?: number;
  /** As `startNats({ users })`: only these users may connect, on every node. */
  users?: readonly NatsUser[];
  /** How long each node and then the JetStream meta leader may take. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface NatsClusterNode {
  /** `server_name`, e.g. `n1`: what JetStream reports as a stream's or consumer's leader. */
  readonly name: string;
  /** `nats://127.0.0.1:<port>` (clients). */
  readonly url: string;
  readonly port: number;
  /** The monitoring endpoint, e.g. `http://127.0.0.1:<port>` (`/jsz`, `/healthz`). */
  readonly monitorUrl: string;
  readonly storeDir: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL: the node dies without flushing; its store stays for `restart()`. */
  kill(): Promise<void>;
  /** Graceful shutdown (SIGTERM) that keeps the store. */
  pause(): Promise<void>;
  /** Starts the node again on the same ports and store (stops it first if it runs). */
  restart(): Promise<void>;
}

export interface NatsClusterHandle {
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL, comma-separated: what a service gets as NATS_URL. */
  readonly url: string;
  readonly urls: readonly string[];
  /** The node leading `stream` (its `server_name`), as a running node's `/jsz` reports it; undefined while none does. */
  streamLeader(stream: string): Promise<string | undefined>;
  /** Waits until `stream` has a leader (and, with `notOn`, one other than that node); returns the node. */
  waitForStreamLeader(stream: string, opts?: { notOn?: string; timeoutMs?: number }): Promise<NatsClusterNode>;
  node(name: string): NatsClusterNode;
  /** Stops every node and removes the stores. */
  stop(): Promise<void>;
}

interface JszStream {
  name: string;
  cluster?: { leader?: string };
}
interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: Array<{ stream_detail?: JszStream[] }>;
}

async function readJsz(monitorUrl: string, query = ''): Promise<Jsz | undefined> {
  try {
    const res = await fetch(`${monitorUrl}/jsz${query}`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Jsz) : undefined;
  } catch {
    return undefined;
  }
}

interface NodePlan {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
  configFile: string;
}

/** One node's configuration (JSON values are valid nats-server configuration syntax). */
function writeNodeConfig(plan: NodePlan, clusterName: string, routes: string[], users: readonly NatsUser[] | undefined): void {
  const entries: Record<string, unknown> = {
    server_name: plan.name,
    host: '127.0.0.1',
    port: plan.port,
    http: `127.0.0.1:${plan.monitorPort}`,
    jetstream: { store_dir: plan.storeDir },
    cluster: { name: clusterName, listen: `127.0.0.1:${plan.clusterPort}`, routes },
    ...(users ? { authorization: { users } } : {}),
  };
  const text = Object.entries(entries)
    .map(([key, value]) => `${key}: ${JSON.stringify(value, null, 2)}`)
    .join('\n');
  writeFileSync(plan.configFile, `${text}\n`, { mode: 0o600 });
}

function clusterNode(plan: NodePlan, bin: string, readyTimeoutMs: number, first: ChildProcess): NatsClusterNode {
  let child: ChildProcess | undefined = first;
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    const exited = waitForExit(c);
    c.kill(signal);
    await exited;
  };
  return {
    name: plan.name,
    url: `nats://127.0.0.1:${plan.port}`,
    port: plan.port,
    monitorUrl: `http://127.0.0.1:${plan.monitorPort}`,
    storeDir: plan.storeDir,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    kill: () => halt('SIGKILL'),
    pause: () => halt('SIGTERM'),
    async restart() {
      await halt('SIGTERM');
      child = await launchNatsServer(bin, ['-c', plan.configFile], readyTimeoutMs);
    },
  };
}

/**
 * Starts `size` nats-servers clustered on loopback, each with JetStream, its own `server_name`
 * (`n1`, `n2`, ...), temp store, client, cluster and monitoring ports, and routes to the others;
 * resolves once every node agrees on a JetStream meta leader. Always `stop()` it in `afterAll`.
 */
export async function startNatsCluster(opts: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const size = opts.size ?? 3;
  if (!Number.isInteger(size) || size < 1) throw new Error('startNatsCluster: size must be a positive integer');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const bin = natsServerBinary();
  const clusterName = `ticketing-test-${process.pid}`;
  // A free port can be taken by another process between the check and the bind: new ports, again.
  for (let attempt = 1; ; attempt += 1) {
    const { plans, started } = await launchCluster(bin, size, clusterName, opts, readyTimeoutMs);
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failed) return joinCluster(plans, started as PromiseFulfilledResult<ChildProcess>[], bin, readyTimeoutMs);
    for (const result of started) if (result.status === 'fulfilled') result.value.kill('SIGKILL');
    await Promise.all(started.map((result) => (result.status === 'fulfilled' ? waitForExit(result.value) : undefined)));
    for (const plan of plans) releaseStoreDir(plan.storeDir);
    if (attempt >= 3 || !isPortTaken(failed.reason)) throw failed.reason;
  }
}

/** Plans the nodes (ports, stores, configuration files) and launches them all. */
async function launchCluster(bin: string, size: number, clusterName: string, opts: StartNatsClusterOptions, readyTimeoutMs: number) {
  const plans: NodePlan[] = [];
  for (let i = 1; i <= size; i++) {
    const storeDir = makeStoreDir('ticketing-nats-cluster-');
    const [port, clusterPort, monitorPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    plans.push({ name: `n${i}`, port, clusterPort, monitorPort, storeDir, configFile: path.join(storeDir, 'nats.conf') });
  }
  for (const plan of plans) {
    const routes = plans.filter((other) => other !== plan).map((other) => `nats-route://127.0.0.1:${other.clusterPort}`);
    writeNodeConfig(plan, clusterName, routes, opts.users);
  }
  const started = await Promise.allSettled(plans.map((plan) => launchNatsServer(bin, ['-c', plan.configFile], readyTimeoutMs)));
  return { plans, started };
}

/** The handle of launched nodes, once every node agrees on a JetStream meta leader. */
async function joinCluster(
  plans: NodePlan[],
  started: PromiseFulfilledResult<ChildProcess>[],
  bin: string,
  readyTimeoutMs: number,
): Promise<NatsClusterHandle> {
  const nodes = plans.map((plan, i) => clusterNode(plan, bin, readyTimeoutMs, started[i].value));
  const handle = clusterHandle(nodes, plans);
  try {
    // JetStream answers only once the nodes have elected a meta leader (and agree on it).
    await eventually(
      async () => {
        const leaders = await Promise.all(nodes.map(async (node) => (await readJsz(node.monitorUrl))?.meta_cluster?.leader));
        return leaders.every((leader) => leader && leader === leaders[0]) ? true : undefined;
      },
      'the cluster to elect a JetStream meta leader',
      readyTimeoutMs,
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

function clusterHandle(nodes: NatsClusterNode[], plans: NodePlan[]): NatsClusterHandle {
  const urls = nodes.map((node) => node.url);
  let removed = false;
  const streamLeader = async (stream: string): Promise<string | undefined> => {
    for (const node of nodes.filter((n) => n.running)) {
      const jsz = await readJsz(node.monitorUrl, '?accounts=true&streams=true');
      for (const account of jsz?.account_details ?? []) {
        const leader = account.stream_detail?.find((s) => s.name === stream)?.cluster?.leader;
        if (leader) return leader;
      }
    }
    return undefined;
  };
  const node = (name: string): NatsClusterNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no cluster node named ${name}`);
    return found;
  };
  return {
    nodes,
    urls,
    url: urls.join(','),
    streamLeader,
    node,
    async waitForStreamLeader(stream, { notOn, timeoutMs = 30_000 } = {}) {
      const leader = await eventually(
        async () => {
          const name = await streamLeader(stream);
          return name && name !== notOn && node(name).running ? name : undefined;
        },
        `stream ${stream} to have a leader${notOn ? ` other than ${notOn}` : ''}`,
        timeoutMs,
      );
      return node(leader);
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.pause()));
      if (removed) return;
      removed = true;
      for (const plan of plans) releaseStoreDir(plan.storeDir);
    },
  };
}
