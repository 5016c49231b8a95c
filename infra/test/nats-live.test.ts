/**
 * The dev shape's NATS configuration, run for real: nats-server (the machine's, 2.9; the manifests pin
 * 2.10, which reads the same configuration) starts from the ConfigMap with the environment the
 * StatefulSet builds (Secrets stood in by random passwords that look like numbers, which is why the pod
 * quotes them), and then only the configured users get in, each with its own permissions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConfigMap } from 'kubernetes-models/v1';
import { eventually, freeTcpPort, natsServerBinary } from '@ticketing/testkit';
import { renderShape } from './support/kubernetes-objects';
import { byName, mainContainer, objectsOf, resolvedEnv, statefulSetsRunning } from './support/workloads';

const set = renderShape('dev');
const [nats] = statefulSetsRunning(set, 'nats:');
const configText = byName(objectsOf(set, ConfigMap), 'nats-server-config')?.data?.['nats.conf'] ?? '';
// Digits first: unquoted, nats-server would parse such a value as a number and refuse the configuration.
const passwords = new Map<string, string>();
const secret = (name: string, key: string): string => {
  const id = `${name}/${key}`;
  if (!passwords.has(id)) passwords.set(id, `1e5${randomBytes(12).toString('hex')}`);
  return passwords.get(id) as string;
};

describe('the dev NATS configuration on a real nats-server', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let url = '';
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-k8s-'));
    const file = path.join(dir, 'nats.conf');
    fs.writeFileSync(file, configText.replace('"store_dir": "/data"', `"store_dir": ${JSON.stringify(path.join(dir, 'store'))}`), {
      mode: 0o600,
    });
    const port = await freeTcpPort();
    const monitor = await freeTcpPort();
    const env = resolvedEnv(set, mainContainer(nats), secret, 'nats-0');
    server = spawn(natsServerBinary(), ['-c', file, '-p', String(port), '-m', String(monitor)], {
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: 'ignore',
    });
    url = `nats://127.0.0.1:${port}`;
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${monitor}/healthz`).catch(() => undefined))?.ok,
      'nats-server answers /healthz',
      15_000,
    );
  }, 30_000);

  afterAll(async () => {
    for (const connection of connections) await connection.close();
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((resolve) => server?.once('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const as = async (user: string): Promise<NatsConnection> => {
    const connection = await connect({
      servers: url,
      user,
      pass: secret(`${user}-nats`, 'NATS_PASSWORD'),
      inboxPrefix: `_INBOX.${user}`,
      reconnect: false,
    });
    connections.push(connection);
    return connection;
  };

  it('when a client connects without credentials, or with a wrong password, then it is refused', async () => {
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: url, user: 'tickets', pass: 'wrong', reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it("when tickets publishes its own subject and another service's, then only its own reaches a subscriber", async () => {
    const operator = await as('operator');
    const received: string[] = [];
    operator.subscribe('ticket:created', { callback: (_error, message) => void received.push(message.subject) });
    operator.subscribe('order:created', { callback: (_error, message) => void received.push(message.subject) });
    await operator.flush();
    const tickets = await as('tickets');
    tickets.publish('order:created', '{}');
    tickets.publish('ticket:created', '{}');
    await tickets.flush().catch(() => undefined);
    // One connection's messages arrive in order: once ticket:created is in, a permitted order:created would be too.
    await eventually(() => received.includes('ticket:created'), 'ticket:created arrives', 10_000);
    expect(received).toEqual(['ticket:created']);
  });
});
