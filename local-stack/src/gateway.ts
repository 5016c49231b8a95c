import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { apiDocsRouter } from './api-docs';

/** Route prefix → the base URLs of that service's replicas. */
export type GatewayRoutes = Record<string, () => readonly string[]>;

export interface GatewayOptions {
  /** The web client's build (client/dist): served at `/`, index.html for every other non-API path. */
  clientDir?: string;
  /** The OpenAPI document served at /api/docs (default: the repository's docs/openapi.yaml). */
  openApiFile?: string;
}

/**
 * The web client as the ingress's `/` rule serves it: hashed assets cached for good, index.html never,
 * and index.html for any path outside /api that is no file (the client's router reads the URL). Read per
 * request, so a client built after the stack started is served too; without a build, `/` stays a 404.
 */
function serveClient(app: express.Express, dir: string): void {
  const clientDir = path.resolve(dir);
  const index = path.join(clientDir, 'index.html');
  app.use(
    express.static(clientDir, {
      index: false,
      setHeaders: (res, file) => {
        const immutable = file.startsWith(path.join(clientDir, 'assets') + path.sep);
        res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  // Not for /api (the API's own 404) nor for a missing asset (a stale page should fail loudly, not get HTML).
  app.get(/^(?!\/(api|assets)(\/|$))/, (_req, res, next) => {
    if (!fs.existsSync(index)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
}

/**
 * A local stand-in for the Kubernetes ingress: routes each API prefix to one of the service's
 * replicas (round robin), serves the API's OpenAPI document at `/api/docs` and the web client's build at `/`. Targets are read per request so
 * a restarted replica on a new port is picked up without restarting the gateway.
 */
export function createGateway(routes: GatewayRoutes, options: GatewayOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Without an agent, http-proxy sends `Connection: close` upstream and the replica's `connection:
  // close` comes back to the client, so every client request needed a new connection (and clients
  // that keep connections alive lost requests on the closing ones). Free sockets are dropped before
  // the replicas' 5 s keep-alive timeout, so a reused socket is never one the replica just closed.
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
  for (const [prefix, targets] of Object.entries(routes)) {
    let next = 0;
    app.use(
      createProxyMiddleware({
        pathFilter: (pathname) => pathname === prefix || pathname.startsWith(`${prefix}/`),
        target: 'http://127.0.0.1',
        agent,
        changeOrigin: false,
        xfwd: true,
        router: () => {
          const live = targets();
          if (live.length === 0) throw new Error(`no replica serves ${prefix}`);
          next = (next + 1) % live.length;
          return live[next];
        },
        on: {
          error: (_err, _req, res) => {
            // A replica that is down (e.g. restarting) answers 502 in the suite's error shape.
            if ('writeHead' in res && !res.headersSent) {
              res.writeHead(502, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ errors: [{ message: `Upstream for ${prefix} is unavailable` }] }));
            }
          },
        },
      }),
    );
  }
  app.use(apiDocsRouter(options.openApiFile));
  if (options.clientDir) serveClient(app, options.clientDir);
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found' }] });
  });
  return app;
}

export function listen(app: express.Express, port: number, host = '127.0.0.1'): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
