import { ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { freeTcpPort, eventually } from '@ticketing/testkit';

export interface ServiceProcessOptions {
  /** A label for log lines, e.g. `tickets-1`. */
  name: string;
  /** The service's directory; the process runs `node dist/index.js` there, as its image does. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives every output line of the process, prefixed by its name. */
  log?: (line: string) => void;
  /** Readiness path polled after start. */
  readyPath?: string;
  /** The port to listen on; absent or 0: a free one, chosen at the first start. */
  port?: number;
}

/** One replica of a service as a child process, which tests can stop, kill and restart. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private port = 0;

  constructor(private readonly opts: ServiceProcessOptions) {
    this.port = opts.port ?? 0;
  }

  get name(): string {
    return this.opts.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The port it listens on (kept across restarts); 0 before the first start unless it was given. */
  get listenPort(): number {
    return this.port;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The environment the process is started with (PORT aside), e.g. to start a variant of it. */
  get env(): NodeJS.ProcessEnv {
    return { ...this.opts.env };
  }

  /** Starts the process on a free port (the same port on a restart) and waits until it is ready. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (this.port === 0) this.port = await freeTcpPort();
    const child = spawn(process.execPath, ['dist/index.js'], {
      cwd: this.opts.cwd,
      env: { ...this.opts.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const log = this.opts.log;
    for (const stream of [child.stdout, child.stderr]) {
      const lines = readline.createInterface({ input: stream! });
      lines.on('line', (line) => log?.(`[${this.name}] ${line}`));
    }
    const readyPath = this.opts.readyPath ?? '/readyz';
    try {
      // An exit ends the wait at once (a throw would only count as "not ready yet" until the timeout).
      const outcome = await eventually(
        async () => {
          if (!this.running) return 'exited';
          const res = await fetch(`${this.url}${readyPath}`);
          return res.status === 200 ? 'ready' : undefined;
        },
        `${this.name} to be ready on ${this.url}${readyPath}`,
        60_000,
      );
      if (outcome === 'exited') throw new Error(`${this.name} exited during start (code ${child.exitCode ?? child.signalCode})`);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** Sends SIGTERM and waits for the exit code (the service's graceful shutdown). */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.child || !this.running) return this.exited ? this.exited : null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A crash: SIGKILL, no chance to clean up. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
