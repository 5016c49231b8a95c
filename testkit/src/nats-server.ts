import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BROKER_SERVICES, brokerPermissions, type BrokerService } from '@ticketing/common/transport';

export interface StartNatsOptions {
  /** Enable JetStream (`-js`). Default true; false gives a plain core NATS server. */
  jetstream?: boolean;
  /** How long to wait for "Server is ready". Default 15 000 ms. */
  readyTimeoutMs?: number;
  /**
   * Start with authorization: only these users may connect (no anonymous access), each with its
   * permissions (none given: everything). Default: no authorization at all.
   */
  users?: readonly NatsUser[];
}

/** A user of `authorization { users = [...] }`, permissions in nats-server's own shape. */
export interface NatsUser {
  user: string;
  password: string;
  permissions?: {
    publish?: { allow?: readonly string[]; deny?: readonly string[] };
    subscribe?: { allow?: readonly string[]; deny?: readonly string[] };
  };
}

export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** JetStream store directory (a temp dir removed by `stop()`). */
  readonly storeDir: string;
  /** With `users`: the generated configuration file (inside `storeDir`, readable by its owner only). */
  readonly configFile: string | undefined;
  /** The running server's process id, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Graceful shutdown (SIGTERM, waits for exit), then removes the store directory. */
  stop(): Promise<void>;
  /** Graceful shutdown that keeps the store, so `restart()` can bring the same server back. */
  pause(): Promise<void>;
  /** Starts the server again on the same port and store (stops it first if it runs). */
  restart(): Promise<void>;
  /** SIGKILL: the server dies without flushing; the store stays for `restart()`. */
  kill(): Promise<void>;
}

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];

/** `NATS_SERVER_BIN`, else `nats-server` on PATH, else the usual system directories (sbin is often off PATH). */
export function natsServerBinary(): string {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv) return fromEnv;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('nats-server not found: install it (apt-get install nats-server) or set NATS_SERVER_BIN');
}

/** Asks the kernel for a free loopback port: listen on 0, read it, close. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Servers still alive when the test process exits (or is ended by a signal) are killed and their
// temp stores removed, so nothing outlives the test run.
const liveChildren = new Set<ChildProcess>();
const liveStoreDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanUp = (): void => {
    for (const c of liveChildren) c.kill('SIGKILL');
    for (const dir of liveStoreDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      // Then let the signal do what it would have done without this listener.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Creates a temp store directory, removed at test-process exit unless `releaseStoreDir` ran first. */
export function makeStoreDir(prefix = 'ticketing-nats-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  installExitHook();
  liveStoreDirs.add(dir);
  return dir;
}

/** Removes a store directory made by `makeStoreDir`. */
export function releaseStoreDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveStoreDirs.delete(dir);
}

function trackChild(child: ChildProcess): void {
  installExitHook();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Resolves once `child` has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns nats-server with `args` and resolves once it logs "Server is ready" (killed at test-process exit). */
export function launchNatsServer(bin: string, args: string[], readyTimeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let log = '';
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`nats-server did not become ready within ${readyTimeoutMs} ms:\n${log}`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      // Keep only the tail: the server logs to stderr for its whole life.
      log = (log + chunk.toString('utf8')).slice(-8192);
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(err));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited before ready (code ${code}, signal ${signal}):\n${log}`));
    });
  });
}

/** True for nats-server's exit on a port another process took after freeTcpPort found it free. */
export function isPortTaken(err: unknown): boolean {
  return err instanceof Error && err.message.includes('address already in use');
}

/** A NATS user's name and password, as a service gets them (NATS_USER, NATS_PASSWORD). */
export interface NatsCredentials {
  user: string;
  password: string;
}

/**
 * One user per broker service with a random password and the permissions of `brokerPermissions`
 * (docs/security.md, "Broker"), plus an `operator` with every permission (tests' observers, dead-letter
 * replay). Pass `users` to `startNats`, and each service its own credentials.
 */
export function serviceBrokerUsers(): { users: NatsUser[]; credentials: Record<BrokerService | 'operator', NatsCredentials> } {
  const password = (): string => crypto.randomBytes(24).toString('base64url');
  const credentials = { operator: { user: 'operator', password: password() } } as Record<BrokerService | 'operator', NatsCredentials>;
  const users: NatsUser[] = [credentials.operator];
  for (const service of BROKER_SERVICES) {
    credentials[service] = { user: service, password: password() };
    users.push({ ...credentials[service], permissions: brokerPermissions(service) });
  }
  return { users, credentials };
}

/** The configuration of a server that admits only `users` (JSON is valid nats-server configuration syntax). */
function writeConfig(dir: string, users: readonly NatsUser[]): string {
  if (users.length === 0) throw new Error('startNats: `users` must name at least one user');
  const file = path.join(dir, 'nats.conf');
  writeFileSync(file, `authorization: ${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/**
 * Starts a private nats-server (JetStream on, loopback only, a free port, a temp store dir) and
 * resolves once it accepts connections. With `users`, it starts from a generated configuration file
 * (`-c`) that admits only those users. Always `stop()` it in `afterAll`.
 */
export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServerHandle> {
  const bin = natsServerBinary();
  const jetstream = opts.jetstream ?? true;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  const storeDir = makeStoreDir();
  const configFile = opts.users ? writeConfig(storeDir, opts.users) : undefined;
  const argsFor = (port: number): string[] => [
    ...(configFile ? ['-c', configFile] : []),
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(jetstream ? ['-js', '-sd', storeDir] : []),
  ];
  let port = 0;
  let child: ChildProcess | undefined;
  // A free port can be taken by another process between the check and the bind: another port, again.
  for (let attempt = 1; !child; attempt += 1) {
    port = await freeTcpPort();
    child = await launchNatsServer(bin, argsFor(port), readyTimeoutMs).catch((err: unknown) => {
      if (attempt < 3 && isPortTaken(err)) return undefined;
      releaseStoreDir(storeDir);
      throw err;
    });
  }
  const args = argsFor(port);
  let removed = false;

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    const exited = waitForExit(c);
    c.kill(signal);
    await exited;
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    configFile,
    get pid() {
      return child?.pid;
    },
    async stop() {
      await halt('SIGTERM');
      if (!removed) {
        removed = true;
        releaseStoreDir(storeDir);
      }
    },
    pause: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      if (removed) throw new Error('cannot restart a nats-server after stop(): its store is gone');
      await halt('SIGTERM');
      child = await launchNatsServer(bin, args, readyTimeoutMs);
    },
  };
}
