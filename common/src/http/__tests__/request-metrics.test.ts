import express, { Router } from 'express';
import request from 'supertest';
import { ServiceMetrics, UNMATCHED_ROUTE } from '../../metrics';
import { createServiceApp, requestDurationMetrics } from '..';

/** The sample count of `http_request_duration_seconds` for exactly these labels (0 when there is no such series). */
async function requestCount(metrics: ServiceMetrics, labels: Record<string, string>): Promise<number> {
  const { values } = await metrics.httpRequestDuration.get();
  const sample = values.find(
    (value) =>
      value.metricName === 'http_request_duration_seconds_count' &&
      Object.entries(labels).every(([name, expected]) => String((value.labels as Record<string, unknown>)[name]) === expected),
  );
  return sample?.value ?? 0;
}

async function routesSeen(metrics: ServiceMetrics): Promise<string[]> {
  const { values } = await metrics.httpRequestDuration.get();
  return [...new Set(values.map((value) => String((value.labels as Record<string, unknown>).route)))].sort();
}

function serviceApp(metrics?: ServiceMetrics) {
  return createServiceApp({ cookieSecure: false, metrics }, (app) => {
    const router = Router();
    router.get('/api/things/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    router.post('/api/things', (_req, res) => {
      res.status(201).json({});
    });
    app.use(router);
  });
}

describe('request duration metrics', () => {
  it('when a route with a parameter answers, then the request is counted under its pattern, never its URL', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const app = serviceApp(metrics);
    await request(app).get('/api/things/a1').expect(200);
    await request(app).get('/api/things/b2').expect(200);
    await request(app).post('/api/things').send({}).expect(201);

    expect(await requestCount(metrics, { method: 'GET', route: '/api/things/:id', status_code: '200' })).toBe(2);
    expect(await requestCount(metrics, { method: 'POST', route: '/api/things', status_code: '201' })).toBe(1);
    expect(await routesSeen(metrics)).toEqual(['/api/things', '/api/things/:id']);
  });

  it('when no route matches (the catch-all 404, or a body refused before routing), then the route label is "unmatched"', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const app = serviceApp(metrics);
    await request(app).get('/wp-admin/setup.php').expect(404);
    await request(app).get('/api/things/a1/extra').expect(404);
    await request(app).post('/api/things').set('content-type', 'application/json').send('{"broken"').expect(400);

    expect(await requestCount(metrics, { method: 'GET', route: UNMATCHED_ROUTE, status_code: '404' })).toBe(2);
    expect(await requestCount(metrics, { method: 'POST', route: UNMATCHED_ROUTE, status_code: '400' })).toBe(1);
    expect(await routesSeen(metrics)).toEqual([UNMATCHED_ROUTE]);
  });

  it('when a router is mounted under a prefix, then the label is the prefix and the route pattern', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const app = express();
    app.use(requestDurationMetrics(metrics.httpRequestDuration));
    const router = Router();
    router.get('/:id', (_req, res) => {
      res.sendStatus(204);
    });
    app.use('/api/widgets', router);
    await request(app).get('/api/widgets/42').expect(204);
    // Express's own final handler: no route at all.
    await request(app).get('/nowhere').expect(404);

    expect(await requestCount(metrics, { method: 'GET', route: '/api/widgets/:id', status_code: '204' })).toBe(1);
    expect(await requestCount(metrics, { method: 'GET', route: UNMATCHED_ROUTE, status_code: '404' })).toBe(1);
  });

  it('when /metrics is scraped, then it is the service registry in the Prometheus text format, with process metrics', async () => {
    const metrics = new ServiceMetrics();
    const app = serviceApp(metrics);
    await request(app).get('/api/things/a1').expect(200);
    const response = await request(app).get('/metrics').expect(200);

    expect(response.headers['content-type']).toBe(metrics.contentType);
    expect(response.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.text).toContain('http_request_duration_seconds_count{method="GET",route="/api/things/:id",status_code="200"} 1');
    expect(response.text).toContain('# TYPE process_cpu_user_seconds_total counter');
    // No event families on an app without an outbox or listeners.
    expect(response.text).not.toContain('events_consumed_total');
    expect(response.text).not.toContain('outbox_pending_events');
  });

  it('when two apps run in one process, then each counts only its own requests', async () => {
    const first = new ServiceMetrics({ defaultMetrics: false });
    const second = new ServiceMetrics({ defaultMetrics: false });
    await request(serviceApp(first)).get('/api/things/a1').expect(200);
    await request(serviceApp(second)).post('/api/things').send({}).expect(201);

    expect(await routesSeen(first)).toEqual(['/api/things/:id']);
    expect(await routesSeen(second)).toEqual(['/api/things']);
  });

  it('when an app is created without metrics, then /metrics is an ordinary 404', async () => {
    const response = await request(serviceApp()).get('/metrics').expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });
});
