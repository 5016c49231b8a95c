import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Express } from 'express';

// The routes each service really serves, read from the Express apps its built service definition
// (dist/service.js, what the stack's processes run) creates with the same createApp, options and
// routers, so the document cannot drift from them. Loaded with Node's own require: the built code as is.

interface RouteLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  name?: string;
  handle?: { stack?: RouteLayer[] };
}

/** `METHOD /path` of every route in an Express app, `:param` written `{param}` as in OpenAPI. */
export function expressRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: readonly RouteLayer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const { path, methods } = layer.route;
        if (typeof path !== 'string') throw new Error(`route path ${String(path)} is not a string: describe it in the check`);
        // The catch-all 404 (`app.all('*')`) is no route of the API.
        if (path === '*') continue;
        for (const method of Object.keys(methods).filter((m) => methods[m] && m !== '_all')) {
          routes.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.name === 'router' && layer.handle?.stack) {
        // The services mount their routers at `/` with absolute paths.
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { _router: { stack: RouteLayer[] } })._router.stack);
  return routes;
}

const SERVICES = ['auth', 'tickets', 'orders', 'payments'] as const;
export type ServiceName = (typeof SERVICES)[number];

interface BuiltService {
  loadConfig(env: NodeJS.ProcessEnv): unknown;
  definition: { createApp(config: unknown): Express };
  mongoose: { deleteModel(name: RegExp): unknown };
}

function builtService(name: ServiceName): BuiltService {
  const load = createRequire(__filename);
  const dist = path.resolve(__dirname, '../..', name, 'dist');
  const config = load(path.join(dist, 'config.js')) as { loadConfig: BuiltService['loadConfig'] };
  const service = load(path.join(dist, 'service.js')) as Record<string, () => BuiltService['definition']>;
  const mongoose = createRequire(path.join(dist, 'service.js'))('mongoose') as BuiltService['mongoose'];
  return { loadConfig: config.loadConfig, definition: service[`${name}Service`](), mongoose };
}

/** Each service's routes, from apps built with throwaway settings (building an app connects nothing). */
export function servedRoutes(): Record<ServiceName, string[]> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const env: NodeJS.ProcessEnv = {
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    AUTH_URL: 'http://127.0.0.1:9',
    NATS_URL: 'nats://127.0.0.1:9',
    NATS_CLIENT_ID: 'routes',
    STRIPE_SECRET_KEY: 'sk_test_routes',
    STRIPE_API_URL: 'http://127.0.0.1:9',
    MONGO_URI: 'mongodb://127.0.0.1:9/routes',
  };
  const routes = {} as Record<ServiceName, string[]>;
  for (const name of SERVICES) {
    const { loadConfig, definition, mongoose } = builtService(name);
    routes[name] = expressRoutes(definition.createApp(loadConfig(env)));
    // tickets and orders both name a model Ticket: one process each in the stack, one mongoose here.
    mongoose.deleteModel(/.*/);
  }
  return routes;
}
