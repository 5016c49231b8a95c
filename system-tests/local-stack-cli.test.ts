import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { freeTcpPort, eventually } from '@ticketing/testkit';
import { acceptsConnections, processIsAlive } from '@ticketing/testkit';
import { ApiClient, type Order, type Ticket } from './support/api-client';

const ROOT = path.resolve(__dirname, '..');

describe('npm start (the local stack)', () => {
  let child: ChildProcess;
  const output: string[] = [];
  let gateway = '';

  beforeAll(async () => {
    const port = await freeTcpPort();
    // What `npm start` runs after building (the test run has built everything already).
    child = spawn(process.execPath, ['local-stack/dist/main.js'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), JWT_PRIVATE_KEY: '', LOG_LEVEL: 'warn', TEST_MONGO_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    gateway = await new Promise<string>((resolve, reject) => {
      let url = '';
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        output.push(line);
        url ||= /ticketing is up: gateway (\S+)/.exec(line)?.[1] ?? '';
        // The last line of the start-up report: everything above it has been printed.
        if (url && line.startsWith('Press Ctrl-C')) resolve(url);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.join('\n')}`)));
    });
    expect(gateway).toBe(`http://127.0.0.1:${port}`);
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('when started without JWT_PRIVATE_KEY, then it says it uses a random development key pair and prints where everything listens', () => {
    const text = output.join('\n');
    expect(text).toMatch(/JWT_PRIVATE_KEY is not set: using a random development Ed25519 key pair/);
    for (const prefix of ['/api/users', '/api/tickets', '/api/orders']) expect(text).toContain(prefix);
    expect(text).toMatch(/NATS nats:\/\/127\.0\.0\.1:\d+ \(pid \d+/);
  });

  it('when a user signs up, sells a ticket, another orders and cancels it through the gateway, then every step answers as documented', async () => {
    const seller = new ApiClient(gateway);
    const buyer = new ApiClient(gateway);
    await seller.signup();
    await buyer.signup();

    const created = await seller.request<Ticket>('POST', '/api/tickets', { title: 'concert', price: 20 });
    expect(created.status).toBe(201);
    const ticketId = created.body.id;

    // The ticket reaches orders through the broker.
    const order = await eventually(async () => {
      const res = await buyer.request<Order>('POST', '/api/orders', { ticketId });
      return res.status === 201 ? res.body : undefined;
    }, 'the ticket to reach orders so it can be ordered');
    expect(order).toMatchObject({ status: 'created', ticket: { id: ticketId, price: 20 } });

    const cancelled = await buyer.request('DELETE', `/api/orders/${order.id}`);
    expect(cancelled.status).toBe(204);
    const reread = await buyer.request<Order>('GET', `/api/orders/${order.id}`);
    expect(reread.body.status).toBe('cancelled');

    // The cancellation releases the ticket in the tickets service (reserved, then released: version 2).
    const released = await eventually(async () => {
      const res = await seller.request<Ticket>('GET', `/api/tickets/${ticketId}`);
      return res.body.version === 2 && res.body.orderId === undefined ? res.body : undefined;
    }, 'the ticket to be released');
    expect(released).toMatchObject({ id: ticketId, version: 2 });
  }, 60_000);

  it('when sent SIGTERM, then it exits 0 and leaves no process or port behind', async () => {
    const text = output.join('\n');
    const pids = [...text.matchAll(/\(pid (\d+)/g)].map((m) => Number(m[1]));
    const ports = [...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(4); // three services and nats-server
    expect(pids.every(processIsAlive)).toBe(true);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(pids.filter(processIsAlive)).toEqual([]);
    const listening = [];
    for (const port of new Set(ports)) if (await acceptsConnections(port)) listening.push(port);
    expect(listening).toEqual([]);
  }, 60_000);
});
