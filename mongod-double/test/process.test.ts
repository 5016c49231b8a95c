// The double's executable itself: command line, log lines, replica-set initiation and shutdown, as
// mongodb-memory-server drives them. (These run the double even when TEST_MONGOD=download.)
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MONGOD_DOUBLE_BINARY } from '../src/launch';
import { MongoClient, type Client } from './helpers';

interface LogLine {
  s: string;
  c: string;
  msg: string;
  attr?: Record<string, unknown>;
}

class RunningDouble {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private buffer = '';
  private listeners: Array<() => void> = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
      }
      for (const listener of this.listeners.splice(0)) listener();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp): Promise<LogLine> {
    for (;;) {
      const found = this.lines.find((line) => pattern.test(line.msg));
      if (found) return found;
      await new Promise<void>((resolve) => this.listeners.push(resolve));
    }
  }
}

describe('MongoDB test double: the mongod executable', () => {
  let dbPath: string;
  const running: RunningDouble[] = [];
  const clients: Client[] = [];

  const launch = (args: string[]): RunningDouble => {
    const double = new RunningDouble(spawn(MONGOD_DOUBLE_BINARY, ['--dbpath', dbPath, '--bind_ip', '127.0.0.1', ...args]));
    running.push(double);
    return double;
  };
  const portOf = async (double: RunningDouble): Promise<number> => Number((await double.waitFor(/^Waiting for connections$/)).attr?.port);
  const connect = async (port: number): Promise<Client> => {
    const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 5000 });
    clients.push(client);
    return client;
  };

  beforeEach(() => {
    dbPath = fs.mkdtempSync(path.join(os.tmpdir(), 'mongod-double-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close(true)));
    for (const double of running.splice(0)) {
      if (double.child.exitCode === null && double.child.signalCode === null) double.child.kill('SIGKILL');
      await double.exited;
    }
    fs.rmSync(dbPath, { recursive: true, force: true });
  });

  it('when asked for --version, then it prints "db version vX.Y.Z" and says it is a test double', () => {
    const result = spawnSync(MONGOD_DOUBLE_BINARY, ['--version'], { encoding: 'utf8' });
    const [first, second] = result.stdout.split('\n');

    expect(result.status).toBe(0);
    expect(first).toMatch(/^db version v\d+\.\d+\.\d+$/);
    expect(second).toMatch(/test double/i);
    expect(second).toMatch(/not a database/i);
  });

  it('when started, then it logs JSON lines: a test-double banner, ignored options, and "Waiting for connections"', async () => {
    const double = launch(['--port', '0', '--storageEngine', 'wiredTiger', '--noauth']);

    const port = await portOf(double);

    expect(port).toBeGreaterThan(0);
    expect(double.lines[0].msg).toMatch(/test double/i);
    expect(double.lines.some((line) => line.msg.includes('ignored') && String(line.attr?.option).startsWith('--storageEngine'))).toBe(true);
  });

  it('when started with --replSet, then it is an uninitiated member until replSetInitiate makes it primary', async () => {
    const double = launch(['--port', '0', '--replSet', 'proc']);
    const port = await portOf(double);
    const client = await connect(port);
    const admin = client.db('admin');

    const before = await admin.command({ hello: 1 });
    await expect(client.db('x').collection('c').insertOne({ a: 1 })).rejects.toMatchObject({ code: 10107 });
    const initiated = await admin.command({ replSetInitiate: { _id: 'proc', members: [{ _id: 0, host: `127.0.0.1:${port}` }] } });
    await double.waitFor(/transition to primary complete; database writes are now permitted/i);
    const after = await admin.command({ hello: 1 });

    expect(before).toMatchObject({ isWritablePrimary: false, isreplicaset: true });
    expect(before.setName).toBeUndefined();
    expect(initiated).toMatchObject({ ok: 1 });
    expect(after).toMatchObject({ isWritablePrimary: true, setName: 'proc', hosts: [`127.0.0.1:${port}`], me: `127.0.0.1:${port}` });
    await expect(client.db('x').collection('c').insertOne({ a: 1 })).resolves.toMatchObject({ acknowledged: true });
    await expect(admin.command({ replSetInitiate: {} })).rejects.toMatchObject({ code: 23 });
  });

  it('when documents are written, then serverStatus counts the collector pauses they cause in testDouble.gc', async () => {
    const client = await connect(await portOf(launch(['--port', '0'])));
    const admin = client.db('admin');
    type Pauses = { count: number; totalMs: number; maxMs: number };
    const gc = async (): Promise<{ gc: Record<string, Pauses>; heapUsedBytes: unknown }> =>
      (await admin.command({ serverStatus: 1 })).testDouble as { gc: Record<string, Pauses>; heapUsedBytes: unknown };
    const before = await gc();

    // About 100 MB of strings through the double's young generation (64 MiB semi-spaces).
    const big = 'x'.repeat(50_000);
    for (let batch = 0; batch < 20; batch += 1) {
      await client
        .db('gc')
        .collection('big')
        .insertMany(Array.from({ length: 100 }, (_, i) => ({ batch, i, big })));
    }
    await client.db('gc').dropDatabase();
    const after = await gc();

    expect(Object.keys(after.gc).sort()).toEqual(['incremental', 'major', 'minor', 'weakCallbacks']);
    expect(after.gc.minor.count).toBeGreaterThan(before.gc.minor.count);
    expect(after.gc.minor.totalMs).toBeGreaterThan(before.gc.minor.totalMs);
    expect(after.gc.minor.maxMs).toBeGreaterThan(0);
    expect(after.gc.minor.maxMs).toBeLessThanOrEqual(after.gc.minor.totalMs);
    expect(Number(after.heapUsedBytes)).toBeGreaterThan(0);
  });

  it('when sent the shutdown command, then it closes the connection without a reply and exits 0', async () => {
    const double = launch(['--port', '0']);
    const client = await connect(await portOf(double));

    const reply = await client
      .db('admin')
      .command({ shutdown: 1, force: true, timeoutSecs: 1 })
      .then(
        () => 'replied',
        () => 'closed',
      );

    expect(reply).toBe('closed');
    expect(await double.exited).toBe(0);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('when sent %s, then it exits 0', async (signal) => {
    const double = launch(['--port', '0']);
    await portOf(double);

    double.child.kill(signal);

    expect(await double.exited).toBe(0);
  });

  // SERVER-20547 / MongoDB manual, "Choose How to Handle Invalid Documents": with validationAction
  // "warn", mongod writes the document and logs a warning (id 20294, "Document would fail validation")
  // with the namespace and errInfo.
  it('when a write fails a validator whose action is warn, then it is applied and logged as "Document would fail validation"', async () => {
    const double = launch(['--port', '0']);
    const client = await connect(await portOf(double));
    const db = client.db('warned');
    await db.createCollection('c', { validator: { qty: { $gte: 0 } }, validationAction: 'warn' });

    await db.collection<{ _id: number; qty: number }>('c').insertOne({ _id: 7, qty: -1 });
    const line = await double.waitFor(/^Document would fail validation$/);

    expect(await db.collection('c').countDocuments()).toBe(1);
    expect(line).toMatchObject({
      s: 'W',
      c: 'STORAGE',
      attr: { namespace: 'warned.c', errInfo: { failingDocumentId: 7, details: { operatorName: '$gte' } } },
    });
  });

  it('when its port is taken, then it logs "Address already in use" and exits non-zero', async () => {
    const first = launch(['--port', '0']);
    const port = await portOf(first);

    const second = launch(['--port', String(port)]);
    const code = await second.exited;

    expect(code).not.toBe(0);
    expect(second.lines.some((line) => JSON.stringify(line).includes('Address already in use'))).toBe(true);
  });
});
