import type { Request, RequestHandler } from 'express';
import type { Histogram } from 'prom-client';
import { UNMATCHED_ROUTE, type HttpLabel, type ServiceMetrics } from '../../metrics';

/**
 * The route pattern that answered, e.g. `/api/tickets/:id` (the mount path plus the route's own
 * path), never the URL; `unmatched` when no route did (including the app's catch-all `*`), so a
 * scanner cannot create a series per URL.
 */
export function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (path === undefined || path === '*') return UNMATCHED_ROUTE;
  return `${req.baseUrl}${String(path)}`;
}

/** Times every request into `http_request_duration_seconds{method, route, status_code}` when its response is finished. */
export function requestDurationMetrics(histogram: Histogram<HttpLabel>): RequestHandler {
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.once('finish', () => end({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) }));
    next();
  };
}

/** `GET /metrics`: the service's registry in the Prometheus text format. */
export function metricsRoute(metrics: ServiceMetrics): RequestHandler {
  return async (_req, res) => {
    const body = await metrics.scrape();
    res.setHeader('content-type', metrics.contentType);
    res.status(200).end(body);
  };
}
