// The alert rules and the dashboard may name only metrics the services export, so neither can drift
// from common/src/metrics: every PromQL expression's metric names are checked against a registry
// holding every family a service can register.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { METRIC_NAMES, ServiceMetrics } from '@ticketing/common/metrics';

const dir = path.join(__dirname, '..', 'observability');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations?: Record<string, string>;
}
interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

const rules: Rule[] = (
  parse(fs.readFileSync(path.join(dir, 'alert-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((group) => group.rules);
const panels: Panel[] = (JSON.parse(fs.readFileSync(path.join(dir, 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] }).panels;

/** Every series name a service can expose: each family, plus a histogram's _bucket, _sum and _count. */
async function exportedSeriesNames(): Promise<Set<string>> {
  const metrics = new ServiceMetrics({ logger: { warn: () => undefined } });
  void metrics.httpRequestDuration;
  metrics.registerEventMetrics();
  metrics.observeOutbox(async () => ({ pending: 0, oldestPendingAgeSeconds: 0 }));
  metrics.observeConsumer('tickets-service_order-created', async () => 0);
  const families = await metrics.registry.getMetricsAsJSON();
  return new Set(
    families.flatMap(({ name, type }) =>
      String(type) === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    ),
  );
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions (followed by
 * `(`), keywords, label names (inside `{}` or a `by (...)` list), durations, strings or Grafana variables.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\w+/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)]
    .filter((match) => match[2] === undefined)
    .map((match) => match[1]);
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase()) && !/^\d/.test(name)))];
}

describe('the observability rules and dashboard', () => {
  it('when an expression is read, then its metric names are found and its functions, labels and keywords are not', () => {
    expect(
      metricNamesIn('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!="x"}[5m])))'),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricNamesIn('max without (instance, pod) (outbox_pending_events) > 0 and on(job) up == 1')).toEqual([
      'outbox_pending_events',
      'up',
    ]);
  });

  it('when every PromQL expression is checked, then it names only metrics the services export', async () => {
    const exported = await exportedSeriesNames();
    const expressions = [...rules.map((rule) => rule.expr), ...panels.flatMap((panel) => panel.targets.map((target) => target.expr))];
    expect(expressions.length).toBeGreaterThan(0);
    const unknown = expressions.flatMap((expr) =>
      metricNamesIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${name} in ${expr}`),
    );
    expect(unknown).toEqual([]);
  });

  it('when the dashboard is read, then every family the services export has a panel', () => {
    const used = new Set(panels.flatMap((panel) => panel.targets.flatMap((target) => metricNamesIn(target.expr))));
    const families = Object.values(METRIC_NAMES);
    expect(families.filter((family) => ![family, `${family}_bucket`, `${family}_count`].some((name) => used.has(name)))).toEqual([]);
  });

  it('when the alert rules are read, then outbox age, dead letters and consumer lag each alert after a `for:` with a summary and a description', () => {
    const byMetric = (family: string) => rules.find((rule) => metricNamesIn(rule.expr).includes(family));
    for (const family of [METRIC_NAMES.outboxOldestPendingAge, METRIC_NAMES.deadLetters, METRIC_NAMES.consumerPending]) {
      const rule = byMetric(family);
      expect(rule).toMatchObject({
        for: expect.stringMatching(/^\d+[smh]$/),
        annotations: { summary: expect.any(String), description: expect.any(String) },
      });
    }
  });
});
