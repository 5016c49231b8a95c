// Each service's own /metrics after a known workload on the real local stack: tickets created through
// the gateway, orders consuming them over a real nats-server, one malformed event dead-lettered.
import crypto from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Ticket } from './support/api-client';
import { scrape, sampleValue, type MetricSample } from './support/metrics-text';
import { startSystemStack, type SystemStack } from './support/system-stack';

const TICKETS = 5;

describe('metrics on each service', () => {
  let system: SystemStack;

  beforeAll(async () => {
    system = await startSystemStack();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const serviceUrl = (name: 'auth' | 'tickets' | 'orders' | 'payments'): string => system.stack.services[name][0].url;

  /** Publishes a ticket:created whose data fails the schema, as a broker user with every permission would. */
  async function publishMalformedTicketCreated(): Promise<void> {
    const operator = system.stack.natsUsers?.operator;
    const nc = await connect({ servers: system.stack.natsUrl, ...(operator ? { user: operator.user, pass: operator.password } : {}) });
    try {
      const body = JSON.stringify({ id: 'not-an-object-id', version: 0, title: 'forged', price: -1 });
      await jetstream(nc).publish('ticket:created', body, { msgID: `malformed-${crypto.randomUUID()}` });
    } finally {
      await nc.close();
    }
  }

  async function metricsWhen(
    name: 'tickets' | 'orders',
    ready: (samples: MetricSample[]) => boolean,
    what: string,
  ): Promise<MetricSample[]> {
    return eventually(
      async () => {
        const samples = await scrape(serviceUrl(name));
        return ready(samples) ? samples : undefined;
      },
      what,
      30_000,
    );
  }

  it(
    'when N tickets are created and one malformed event arrives, then tickets and orders count exactly that workload',
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(system.stack.url);
        await seller.signup();
        const created: Ticket[] = [];
        for (let i = 0; i < TICKETS; i += 1) {
          const res = await seller.request<Ticket>('POST', '/api/tickets', { title: `metrics ${i}`, price: 10 + i });
          expect(res.status).toBe(201);
          created.push(res.body);
        }
        expect((await seller.request('GET', `/api/tickets/${created[0].id}`)).status).toBe(200);
        await publishMalformedTicketCreated();

        const tickets = await metricsWhen(
          'tickets',
          (samples) =>
            sampleValue(samples, 'outbox_pending_events') === 0 &&
            sampleValue(samples, 'events_published_total', { subject: 'ticket:created' }) === TICKETS,
          'the tickets outbox to drain',
        );
        const posted = { method: 'POST', route: '/api/tickets', status_code: '201' };
        expect(sampleValue(tickets, 'http_request_duration_seconds_count', posted)).toBe(TICKETS);
        expect(
          sampleValue(tickets, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/tickets/:id', status_code: '200' }),
        ).toBe(1);
        expect(tickets.some((sample) => sample.labels.route === `/api/tickets/${created[0].id}`)).toBe(false);
        expect(sampleValue(tickets, 'events_published_total', { subject: 'ticket:created' })).toBe(TICKETS);
        expect(sampleValue(tickets, 'outbox_oldest_pending_age_seconds')).toBe(0);
        expect(sampleValue(tickets, 'process_cpu_seconds_total')).toBeGreaterThan(0);

        const applied = { subject: 'ticket:created', outcome: 'applied' };
        const orders = await metricsWhen(
          'orders',
          (samples) =>
            sampleValue(samples, 'events_consumed_total', applied) === TICKETS &&
            sampleValue(samples, 'dead_letters_total') === 1 &&
            sampleValue(samples, 'consumer_pending_messages', { consumer: 'orders-service_ticket-created' }) === 0,
          'orders to apply every ticket and dead-letter the malformed one',
        );
        expect(sampleValue(orders, 'events_consumed_total', applied)).toBe(TICKETS);
        expect(sampleValue(orders, 'events_consumed_total', { subject: 'ticket:created', outcome: 'invalid' })).toBe(1);
        expect(sampleValue(orders, 'dead_letters_total')).toBe(1);
        expect(sampleValue(orders, 'consumer_pending_messages', { consumer: 'orders-service_ticket-created' })).toBe(0);
        expect(sampleValue(orders, 'outbox_pending_events')).toBe(0);
      }),
    90_000,
  );

  it('when auth is scraped, then it exports the HTTP and process metrics and no event or outbox families', async () => {
    const auth = await scrape(serviceUrl('auth'));
    expect(sampleValue(auth, 'http_request_duration_seconds_count', { route: '/api/users/signup', status_code: '201' })).toBeGreaterThan(0);
    expect(sampleValue(auth, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(auth.filter((sample) => /^(events_|outbox_|dead_letters|consumer_)/.test(sample.name))).toEqual([]);
  });

  it('when /metrics is asked of the gateway, then it is not routed to any service', async () => {
    const res = await fetch(`${system.stack.url}/metrics`);
    const text = await res.text();
    // The gateway routes /api/* only: /metrics is its 404, or the web client's page when a client build is served.
    expect(text).not.toContain('http_request_duration_seconds');
    if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) {
      expect(res.status).toBe(404);
      expect(JSON.parse(text)).toEqual({ errors: [{ message: 'Not found' }] });
    }
  });
});
