// `npm run bench:metrics-plot`: the Grafana dashboard's panels (infra/observability/grafana-dashboard.json)
// rendered from a real run, since no Grafana runs here. It starts the local stack as `npm start` does,
// drives a short load through the gateway (tickets, reads, orders; one malformed event; a broker
// pause), scrapes every service's own /metrics each second, computes each panel's PromQL the way
// Prometheus would (rates over a 5 s window, histogram_quantile by linear interpolation) and saves
// docs/screenshots/metrics-dashboard.png through Chromium.
import crypto from 'node:crypto';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startLocalStack, type LocalStack, type ServiceName } from '@ticketing/local-stack';
import { chromium } from 'playwright-core';
import { dashboardHtml, type Line, type PanelData } from './metrics-svg';

const DURATION_S = Number(process.env.METRICS_PLOT_SECONDS ?? 45);
const WINDOW_S = 5;
const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'docs', 'screenshots', 'metrics-dashboard.png');
const SERVICES: ServiceName[] = ['auth', 'tickets', 'orders', 'payments'];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Scrape {
  t: number;
  samples: Sample[];
}

function parse(text: string, service: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) return [];
    const labels: Record<string, string> = { service };
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    return [{ name: match[1], labels, value: Number(match[3]) }];
  });
}

async function scrapeAll(stack: LocalStack, t: number): Promise<Scrape> {
  const texts = await Promise.all(
    SERVICES.map(async (name) => parse(await (await fetch(`${stack.services[name][0].url}/metrics`)).text(), name)),
  );
  return { t, samples: texts.flat() };
}

/** Per key, the summed value of `name` at one scrape. */
function sumBy(scrape: Scrape, name: string, key: (labels: Record<string, string>) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const sample of scrape.samples) {
    const k = sample.name === name ? key(sample.labels) : undefined;
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + sample.value);
  }
  return out;
}

function toLines(series: Map<string, Array<[number, number]>>, top = 10): Line[] {
  return [...series.entries()]
    .map(([label, points]) => ({ label, points }))
    .sort((a, b) => Math.max(...b.points.map(([, y]) => y)) - Math.max(...a.points.map(([, y]) => y)))
    .slice(0, top);
}

function push(series: Map<string, Array<[number, number]>>, key: string, point: [number, number]): void {
  series.set(key, [...(series.get(key) ?? []), point]);
}

/** `rate(name[5s])` summed by `key`. */
function rateLines(scrapes: Scrape[], name: string, key: (labels: Record<string, string>) => string | undefined): Line[] {
  const series = new Map<string, Array<[number, number]>>();
  for (let i = 1; i < scrapes.length; i += 1) {
    const earlier = scrapes.find((s) => s.t >= scrapes[i].t - WINDOW_S) ?? scrapes[0];
    if (earlier === scrapes[i]) continue;
    const now = sumBy(scrapes[i], name, key);
    const then = sumBy(earlier, name, key);
    for (const [k, v] of now) push(series, k, [scrapes[i].t, Math.max(0, v - (then.get(k) ?? 0)) / (scrapes[i].t - earlier.t)]);
  }
  return toLines(series);
}

function gaugeLines(scrapes: Scrape[], name: string, key: (labels: Record<string, string>) => string | undefined, since = false): Line[] {
  const series = new Map<string, Array<[number, number]>>();
  const first = sumBy(scrapes[0], name, key);
  for (const scrape of scrapes) {
    for (const [k, v] of sumBy(scrape, name, key)) push(series, k, [scrape.t, since ? v - (first.get(k) ?? 0) : v]);
  }
  return toLines(series);
}

/** `histogram_quantile(0.99, sum by (le, route) (rate(..._bucket[5s])))`. */
function p99Lines(scrapes: Scrape[]): Line[] {
  const series = new Map<string, Array<[number, number]>>();
  for (let i = 1; i < scrapes.length; i += 1) {
    const earlier = scrapes.find((s) => s.t >= scrapes[i].t - WINDOW_S) ?? scrapes[0];
    const key = (l: Record<string, string>) => `${l.route}|${l.le}`;
    const now = sumBy(scrapes[i], 'http_request_duration_seconds_bucket', key);
    const then = sumBy(earlier, 'http_request_duration_seconds_bucket', key);
    const byRoute = new Map<string, Array<[number, number]>>();
    for (const [k, v] of now) {
      const [route, le] = k.split('|');
      byRoute.set(route, [...(byRoute.get(route) ?? []), [le === '+Inf' ? Infinity : Number(le), v - (then.get(k) ?? 0)]]);
    }
    for (const [route, buckets] of byRoute) {
      const q = quantile(
        0.99,
        buckets.sort((a, b) => a[0] - b[0]),
      );
      if (q !== undefined) push(series, route, [scrapes[i].t, q]);
    }
  }
  return toLines(series);
}

function quantile(q: number, buckets: Array<[number, number]>): number | undefined {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) return le === Infinity ? lower : lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1e-9);
    lower = le;
    below = count;
  }
  return lower;
}

function panels(scrapes: Scrape[]): PanelData[] {
  const not = (route: string) => (l: Record<string, string>) => (l.route === route ? undefined : `${l.method} ${l.route} ${l.status_code}`);
  return [
    { title: 'Request rate by route', unit: 'req/s', lines: rateLines(scrapes, 'http_request_duration_seconds_count', not('/metrics')) },
    { title: 'Request latency p99 by route', unit: 's', lines: p99Lines(scrapes) },
    { title: 'Outbox pending events', unit: 'events', lines: gaugeLines(scrapes, 'outbox_pending_events', (l) => l.service) },
    { title: 'Outbox oldest pending age', unit: 's', lines: gaugeLines(scrapes, 'outbox_oldest_pending_age_seconds', (l) => l.service) },
    { title: 'Events published by subject', unit: 'events/s', lines: rateLines(scrapes, 'events_published_total', (l) => l.subject) },
    {
      title: 'Events consumed by outcome',
      unit: 'events/s',
      lines: rateLines(scrapes, 'events_consumed_total', (l) => `${l.subject} ${l.outcome}`),
    },
    {
      title: 'Dead letters (increase since start)',
      unit: 'events',
      lines: gaugeLines(scrapes, 'dead_letters_total', (l) => l.service, true),
    },
    { title: 'Consumer pending messages', unit: 'messages', lines: gaugeLines(scrapes, 'consumer_pending_messages', (l) => l.consumer) },
  ];
}

/** A signed-up user of the gateway: its session cookie on every request. */
async function user(base: string): Promise<(method: string, route: string, body?: unknown) => Promise<Response>> {
  let cookie = '';
  const send = async (method: string, route: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    cookie =
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ') || cookie;
    return res;
  };
  const email = `plot-${crypto.randomBytes(6).toString('hex')}@test.dev`;
  const res = await send('POST', '/api/users/signup', { email, password: `pw-${crypto.randomBytes(12).toString('base64url')}` });
  if (res.status !== 201) throw new Error(`signup answered ${res.status}`);
  return send;
}

/** Until `stopAt`: sell a ticket, list, read it back, and (once orders knows it) order it. */
async function worker(base: string, stopAt: number): Promise<void> {
  const seller = await user(base);
  const buyer = await user(base);
  while (Date.now() < stopAt) {
    const created = await seller('POST', '/api/tickets', { title: 'plot', price: 10 });
    const ticket = (await created.json()) as { id?: string };
    await (await seller('GET', '/api/tickets?limit=20')).arrayBuffer();
    if (ticket.id) await (await seller('GET', `/api/tickets/${ticket.id}`)).arrayBuffer();
    if (ticket.id) await (await buyer('POST', '/api/orders', { ticketId: ticket.id })).arrayBuffer();
    await (await seller('GET', '/api/tickets/not-an-id')).arrayBuffer();
  }
}

async function publishMalformed(stack: LocalStack): Promise<void> {
  const operator = stack.natsUsers?.operator;
  const nc = await connect({ servers: stack.natsUrl, ...(operator ? { user: operator.user, pass: operator.password } : {}) });
  await jetstream(nc).publish('ticket:created', JSON.stringify({ id: 'forged' }), { msgID: `plot-${crypto.randomUUID()}` });
  await nc.close();
}

/** The scenario: load for DURATION_S; a malformed event at 30 %; the broker paused from 45 % to 60 %. */
async function run(stack: LocalStack): Promise<Scrape[]> {
  const start = Date.now();
  const at = (fraction: number) => start + DURATION_S * 1000 * fraction;
  const scrapes: Scrape[] = [];
  const load = Promise.all([1, 2, 3].map(() => worker(stack.url, at(0.8))));
  const faults = (async () => {
    await new Promise((resolve) => setTimeout(resolve, at(0.3) - Date.now()));
    await publishMalformed(stack);
    await new Promise((resolve) => setTimeout(resolve, at(0.45) - Date.now()));
    await stack.nats?.pause();
    await new Promise((resolve) => setTimeout(resolve, at(0.6) - Date.now()));
    await stack.nats?.restart();
  })();
  while (Date.now() < at(1)) {
    scrapes.push(await scrapeAll(stack, (Date.now() - start) / 1000));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await Promise.all([load, faults]);
  return scrapes;
}

async function render(html: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1290, height: 800 } });
    await page.setContent(html);
    await page.screenshot({ path: OUT, fullPage: true });
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const stack = await startLocalStack({
    env: { ...process.env, LOG_LEVEL: 'warn', MAX_ACTIVE_ORDERS_PER_USER: '100000' },
    log: () => undefined,
  });
  let scrapes: Scrape[];
  try {
    scrapes = await run(stack);
  } finally {
    await stack.stop();
  }
  const subtitle = `${DURATION_S} s on the local stack: 3 sellers and buyers through the gateway, one malformed ticket:created at ${Math.round(DURATION_S * 0.3)} s, nats-server paused from ${Math.round(DURATION_S * 0.45)} s to ${Math.round(DURATION_S * 0.6)} s; scraped every second`;
  const data = panels(scrapes);
  const html = dashboardHtml('Ticketing services (panels of infra/observability/grafana-dashboard.json)', subtitle, data);
  await render(html);
  const last = scrapes[scrapes.length - 1];
  for (const name of ['events_published_total', 'events_consumed_total', 'dead_letters_total', 'outbox_pending_events']) {
    console.log(name, Object.fromEntries(sumBy(last, name, (l) => `${l.service} ${l.subject ?? ''} ${l.outcome ?? ''}`.trim())));
  }
  console.log(`wrote ${path.relative(ROOT, OUT)}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
