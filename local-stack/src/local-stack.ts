import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { mongoUriWithDatabase, startMongo, type TestMongo } from '@ticketing/mongod-double';
import { freeTcpPort, startNats, type NatsServerHandle } from '@ticketing/testkit';
import { createGateway, listen } from './gateway';
import { ServiceProcess } from './service-process';

export const SERVICE_NAMES = ['auth', 'tickets', 'orders'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Which API prefix each service answers, as the ingress routes it. */
export const SERVICE_ROUTES: Record<ServiceName, string> = {
  auth: '/api/users',
  tickets: '/api/tickets',
  orders: '/api/orders',
};

/** Settings passed through from the launcher's environment to every service. */
const PASSTHROUGH = ['LOG_LEVEL', 'JWT_TTL', 'EXPIRATION_WINDOW_SECONDS', 'NATS_TRANSPORT', 'NATS_CLUSTER_ID'];

export interface LocalStackOptions {
  /** The gateway's port; 0 picks a free one. */
  port?: number;
  /** The repository root (where auth/, tickets/, orders/ live). */
  rootDir?: string;
  /** The launcher's environment: MONGO_URI_AUTH/_TICKETS/_ORDERS, NATS_URL, JWT_KEY and passthrough settings. */
  env?: NodeJS.ProcessEnv;
  /** Replicas per service (default 1 each). */
  replicas?: Partial<Record<ServiceName, number>>;
  log?: (line: string) => void;
}

export interface LocalStack {
  /** The gateway, e.g. http://127.0.0.1:8080. */
  url: string;
  jwtKey: string;
  /** Set when the stack started its own MongoDB test double. */
  mongo?: TestMongo;
  /** Set when the stack started its own nats-server (tests stop and restart it). */
  nats?: NatsServerHandle;
  natsUrl: string;
  mongoUris: Record<ServiceName, string>;
  services: Record<ServiceName, ServiceProcess[]>;
  stop(): Promise<void>;
}

/**
 * Starts the whole suite on one machine: the MongoDB test double as a single-node replica set (one
 * database per service) unless MONGO_URI_* are given, a nats-server with JetStream unless NATS_URL is
 * given, the three services as separate processes, and a gateway that routes like the ingress.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const env = opts.env ?? process.env;
  const rootDir = opts.rootDir ?? path.resolve(__dirname, '../..');
  const log = opts.log ?? (() => undefined);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };

  try {
    let mongo: TestMongo | undefined;
    const mongoUris = {} as Record<ServiceName, string>;
    for (const name of SERVICE_NAMES) {
      const given = env[`MONGO_URI_${name.toUpperCase()}`];
      if (given) {
        mongoUris[name] = given;
        continue;
      }
      if (!mongo) {
        mongo = await startMongo();
        const started = mongo;
        cleanups.push(() => started.stop());
      }
      mongoUris[name] = mongoUriWithDatabase(mongo.uri, name);
    }

    let nats: NatsServerHandle | undefined;
    let natsUrl = env.NATS_URL;
    if (!natsUrl) {
      nats = await startNats();
      const started = nats;
      cleanups.push(() => started.stop());
      natsUrl = nats.url;
    }

    let jwtKey = env.JWT_KEY;
    if (!jwtKey) {
      jwtKey = crypto.randomBytes(32).toString('hex');
      log('JWT_KEY is not set: using a random development key (sessions end when the stack stops)');
    }

    const passthrough: NodeJS.ProcessEnv = {};
    for (const key of PASSTHROUGH) if (env[key] !== undefined) passthrough[key] = env[key];

    const services = {} as Record<ServiceName, ServiceProcess[]>;
    for (const name of SERVICE_NAMES) {
      const count = opts.replicas?.[name] ?? 1;
      services[name] = Array.from(
        { length: count },
        (_, i) =>
          new ServiceProcess({
            name: count > 1 ? `${name}-${i + 1}` : name,
            cwd: path.join(rootDir, name),
            log,
            env: {
              PATH: process.env.PATH,
              NODE_ENV: env.NODE_ENV ?? 'development',
              ...passthrough,
              MONGO_URI: mongoUris[name],
              NATS_URL: natsUrl,
              NATS_CLIENT_ID: `${name}-${i + 1}-${crypto.randomBytes(3).toString('hex')}`,
              JWT_KEY: jwtKey,
              // The gateway speaks plain HTTP locally, so the session cookie cannot be `secure`.
              COOKIE_SECURE: 'false',
            },
          }),
      );
    }
    // Start replicas concurrently: the double and the broker are already up.
    cleanups.push(() =>
      Promise.all(
        Object.values(services)
          .flat()
          .map((s) => s.stop()),
      ),
    );
    await Promise.all(
      Object.values(services)
        .flat()
        .map((s) => s.start()),
    );

    const gateway = createGateway(
      Object.fromEntries(
        SERVICE_NAMES.map((name) => [SERVICE_ROUTES[name], () => services[name].filter((s) => s.running).map((s) => s.url)]),
      ),
    );
    const port = opts.port ?? 0;
    const server: http.Server = await listen(gateway, port === 0 ? await freeTcpPort() : port);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive sockets would otherwise hold the gateway open.
          server.closeAllConnections();
        }),
    );
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;

    return { url, jwtKey, mongo, nats, natsUrl, mongoUris, services, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
