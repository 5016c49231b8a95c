import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { OrderStatus, Subjects, type OrderCreatedEvent } from '@ticketing/common/contracts';
import { createLogger } from '@ticketing/common/core';
import { Listener, Publisher } from '@ticketing/common/events';
import {
  createTransport,
  DEFAULT_STREAM_NAME,
  durableName,
  JetStreamTransport,
  type DeadLetter,
  type EventMessage,
  type Transport,
} from '@ticketing/common/transport';
import { eventually, serviceBrokerUsers, startNats, type NatsCredentials, type NatsServerHandle } from '@ticketing/testkit';
import { runDeadLettersCommand } from '../src/dead-letters/dead-letters-command';

// A real nats-server with the services' users; the command connects as the operator, as a person would.
jest.setTimeout(60_000);

const CLI = path.resolve(__dirname, '../dist/dead-letters-cli.js');
const quiet = createLogger({ level: 'silent' });

class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}

/** A service's listener on order:created that applies what `apply` accepts and records every call. */
class RecordingOrderListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly applied: string[] = [];
  readonly calls: string[] = [];
  protected override maxDeliver = 2;
  protected override retryDelayMs = 50;

  constructor(
    client: Transport,
    readonly queueGroupName: string,
    private readonly apply: (data: OrderCreatedEvent['data']) => boolean,
  ) {
    super(client, { logger: quiet });
  }

  onMessage(data: OrderCreatedEvent['data'], msg: EventMessage): void {
    this.calls.push(data.id);
    if (!this.apply(data)) throw new Error(`cannot reserve the ticket of order ${data.id} yet`);
    this.applied.push(data.id);
    msg.ack();
  }
}

const objectId = (): string => randomBytes(12).toString('hex');
const order = (): OrderCreatedEvent['data'] => ({
  id: objectId(),
  version: 0,
  status: OrderStatus.Created,
  userId: objectId(),
  expiresAt: new Date(Date.now() + 900_000).toISOString(),
  ticket: { id: objectId(), price: 20, reservation: 1 },
});

let server: NatsServerHandle;
let credentials: Record<'operator' | 'tickets' | 'orders' | 'payments', NatsCredentials>;
const transports: Transport[] = [];
const listeners: Listener<OrderCreatedEvent>[] = [];

function env(): NodeJS.ProcessEnv {
  return { NATS_URL: server.url, NATS_USER: credentials.operator.user, NATS_PASSWORD: credentials.operator.password };
}

async function connectAs(who: keyof typeof credentials): Promise<JetStreamTransport> {
  const { user, password } = credentials[who];
  const transport = (await createTransport(
    { NATS_URL: server.url, NATS_USER: user, NATS_PASSWORD: password },
    { logger: quiet },
  )) as JetStreamTransport;
  transports.push(transport);
  return transport;
}

/** The command in this process: its exit status and what it wrote. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLettersCommand(argv, { env: env(), out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The built command as `npm run dead-letters` runs it (the test run builds first, as for `npm start`). */
async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...argv], { env: { ...process.env, ...env() } });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

async function listJson(...options: string[]): Promise<DeadLetter[]> {
  const { code, out } = await run('list', '--json', ...options);
  expect(code).toBe(0);
  return JSON.parse(out) as DeadLetter[];
}

beforeEach(async () => {
  const users = serviceBrokerUsers();
  credentials = users.credentials;
  server = await startNats({ users: users.users });
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await server.stop();
});

describe('npm run dead-letters', () => {
  it('when one of two groups gives up on an event, then list shows it with its reason and group, and replay reaches only that group', async () => {
    let ticketsHealthy = false;
    const tickets = new RecordingOrderListener(await connectAs('tickets'), 'tickets-service', () => ticketsHealthy);
    const payments = new RecordingOrderListener(await connectAs('payments'), 'payments-service', () => true);
    listeners.push(tickets, payments);
    await Promise.all([tickets.listen(), payments.listen()]);
    const event = order();
    await new OrderCreatedPublisher(await connectAs('orders')).publish(event);

    const [letter] = await eventually(async () => {
      const letters = await listJson();
      return letters.length > 0 ? letters : undefined;
    }, 'the dead letter is recorded');
    expect(letter).toMatchObject({
      subject: Subjects.OrderCreated,
      data: event,
      queueGroup: 'tickets-service',
      error: `cannot reserve the ticket of order ${event.id} yet`,
      deliveryCount: 2,
    });
    const table = await run('list');
    expect(table.out).toMatch(new RegExp(`^${letter.id}\\s.*tickets-service\\s+order:created\\s+2\\s+cannot reserve the ticket`, 'm'));
    expect(await listJson('--queue-group', 'payments-service')).toEqual([]);
    expect((await run('show', letter.id)).out).toContain(`reason           cannot reserve the ticket of order ${event.id} yet`);
    expect(payments.applied).toEqual([event.id]);

    ticketsHealthy = true;
    const replay = await runCli('replay', letter.id, '--json');
    expect(replay).toMatchObject({ code: 0, err: '' });
    const { ack, queueGroup } = JSON.parse(replay.out) as { ack: { seq: number }; queueGroup: string };
    expect(queueGroup).toBe('tickets-service');

    await eventually(() => tickets.applied.includes(event.id), 'tickets-service applies the replay');
    // payments-service's durable has been given the replay and has acknowledged it without calling its handler.
    const operator = await connectAs('operator');
    await eventually(async () => {
      const info = await operator.jsm.consumers.info(DEFAULT_STREAM_NAME, durableName('payments-service', Subjects.OrderCreated));
      return info.delivered.stream_seq >= ack.seq && info.num_ack_pending === 0 && info.num_pending === 0;
    }, 'payments-service settles the replay');
    expect(payments.calls).toEqual([event.id]);
    expect(payments.applied).toEqual([event.id]);
    expect(tickets.applied).toEqual([event.id]);
    expect(await listJson()).toEqual([]);
  });

  it('when a dead letter is discarded, then it is gone and nobody receives the event again; the wrong group is refused', async () => {
    const tickets = new RecordingOrderListener(await connectAs('tickets'), 'tickets-service', () => false);
    listeners.push(tickets);
    await tickets.listen();
    await new OrderCreatedPublisher(await connectAs('orders')).publish(order());
    const [letter] = await eventually(async () => {
      const letters = await listJson('--queue-group', 'tickets-service');
      return letters.length > 0 ? letters : undefined;
    }, 'the dead letter is recorded');

    const refused = await run('discard', letter.id, '--queue-group', 'payments-service');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`Dead letter ${letter.id} belongs to queue group tickets-service, not payments-service`);
    expect((await listJson()).map((l) => l.id)).toEqual([letter.id]);

    const discarded = await run('discard', letter.id, '--json');
    expect(discarded.code).toBe(0);
    expect(JSON.parse(discarded.out)).toMatchObject({ discarded: { id: letter.id, queueGroup: 'tickets-service' } });
    expect(await listJson()).toEqual([]);
    expect((await run('list')).out).toBe('No dead letters.');
    expect(tickets.calls).toHaveLength(2);

    const again = await run('replay', letter.id);
    expect(again).toMatchObject({ code: 1, err: `dead-letters: No dead letter with id ${letter.id}` });
  });

  it('when the command is unknown, then it exits non-zero with the usage on stderr; --help explains commands, options and environment', async () => {
    const unknown = await runCli('purge');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toContain('dead-letters: unknown command "purge"');
    expect(unknown.err).toContain('Usage: npm run dead-letters --');

    expect(await run('replay')).toMatchObject({ code: 2, err: expect.stringContaining('replay needs a dead letter ID') });
    expect(await run('list', '--verbose')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--verbose'") });

    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const word of [
      'list',
      'show ID',
      'replay ID',
      'discard ID',
      '--queue-group',
      '--json',
      'NATS_URL',
      'NATS_USER',
      'NATS_PASSWORD',
    ]) {
      expect(help.out).toContain(word);
    }
  });

  it('when NATS_URL is missing, then it says so and exits 1', async () => {
    const out: string[] = [];
    const code = await runDeadLettersCommand(['list'], { env: {}, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('NATS_URL is not set');
  });
});
