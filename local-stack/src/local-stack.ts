import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { mongoUriWithDatabase, startMongo, type TestMongo } from '@ticketing/mongod-double';
import { freeTcpPort, serviceBrokerUsers, startNats, type NatsCredentials, type NatsServerHandle } from '@ticketing/testkit';
import { createGateway, listen } from './gateway';
import { ServiceProcess } from './service-process';
import { startLocalStripe, type LocalStripe } from './stripe';

export const SERVICE_NAMES = ['auth', 'tickets', 'orders', 'payments'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Which API prefix each service answers, as the ingress routes it. */
export const SERVICE_ROUTES: Record<ServiceName, string> = {
  auth: '/api/users',
  tickets: '/api/tickets',
  orders: '/api/orders',
  payments: '/api/payments',
};

/** Settings passed through from the launcher's environment to every service. */
const PASSTHROUGH = [
  'LOG_LEVEL',
  'JWT_TTL',
  'SESSION_IDLE_TIMEOUT',
  'EXPIRATION_WINDOW_SECONDS',
  'NATS_TRANSPORT',
  'NATS_CLUSTER_ID',
  'NATS_STREAM_REPLICAS',
  'PAYMENTS_CURRENCY',
  'RECONCILE_INTERVAL_MS',
  'MAX_ACTIVE_ORDERS_PER_USER',
];

export interface LocalStackOptions {
  /** The gateway's port; 0 picks a free one. */
  port?: number;
  /** The repository root (where auth/, tickets/, orders/ live). */
  rootDir?: string;
  /**
   * The launcher's environment: MONGO_URI_<SERVICE>, NATS_URL, JWT_PRIVATE_KEY and JWT_PUBLIC_KEY, STRIPE_SECRET_KEY (and STRIPE_API_URL)
   * and passthrough settings.
   */
  env?: NodeJS.ProcessEnv;
  /** Replicas per service (default 1 each). */
  replicas?: Partial<Record<ServiceName, number>>;
  /** The web client's build served at `/` (default: client/dist under rootDir, when built). */
  clientDir?: string;
  log?: (line: string) => void;
}

export interface LocalStack {
  /** The gateway, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The session key pair: the private key went to auth only, the public key to every service. */
  sessionKeys: SessionKeys;
  /** Set when the stack started its own MongoDB test double. */
  mongo?: TestMongo;
  /** Set when the stack started its own nats-server (tests stop and restart it). */
  nats?: NatsServerHandle;
  natsUrl: string;
  /**
   * Set with `nats`: the generated broker users (each service's own, with its permissions, and an
   * `operator` with every permission, for observers and dead-letter replay).
   */
  natsUsers?: Record<'tickets' | 'orders' | 'payments' | 'operator', NatsCredentials>;
  /** Set when the stack started its own Stripe-compatible test server (no STRIPE_SECRET_KEY given). */
  stripe?: LocalStripe;
  mongoUris: Record<ServiceName, string>;
  services: Record<ServiceName, ServiceProcess[]>;
  stop(): Promise<void>;
}

type Cleanups = Array<() => Promise<unknown>>;

export interface SessionKeys {
  /** PKCS#8 PEM, JWT_PRIVATE_KEY: auth only. */
  privateKey: string;
  /** SPKI PEM, JWT_PUBLIC_KEY: every service. */
  publicKey: string;
}

/** JWT_PRIVATE_KEY and JWT_PUBLIC_KEY from the environment, or a fresh Ed25519 pair for this run. */
function sessionKeysFrom(env: NodeJS.ProcessEnv, log: (line: string) => void): SessionKeys {
  if (env.JWT_PRIVATE_KEY) {
    const privateKey = env.JWT_PRIVATE_KEY;
    const publicKey = env.JWT_PUBLIC_KEY || crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey, publicKey };
  }
  log('JWT_PRIVATE_KEY is not set: using a random development Ed25519 key pair (sessions end when the stack stops)');
  return crypto.generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/** One database per service on the test double, unless MONGO_URI_<SERVICE> names one. */
async function startDatabases(
  env: NodeJS.ProcessEnv,
  cleanups: Cleanups,
): Promise<{ mongo?: TestMongo; uris: Record<ServiceName, string> }> {
  let mongo: TestMongo | undefined;
  const uris = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) {
    const given = env[`MONGO_URI_${name.toUpperCase()}`];
    if (given) {
      uris[name] = given;
      continue;
    }
    if (!mongo) {
      const started = await startMongo();
      cleanups.push(() => started.stop());
      mongo = started;
    }
    uris[name] = mongoUriWithDatabase(mongo.uri, name);
  }
  return { mongo, uris };
}

/**
 * A nats-server with JetStream and a temporary store, admitting only generated users (one per service,
 * random passwords), unless NATS_URL names a broker (then the services connect without credentials).
 */
async function startBroker(
  env: NodeJS.ProcessEnv,
  cleanups: Cleanups,
): Promise<{ nats?: NatsServerHandle; url: string; users?: LocalStack['natsUsers'] }> {
  if (env.NATS_URL) return { url: env.NATS_URL };
  const { users, credentials } = serviceBrokerUsers();
  const nats = await startNats({ users });
  cleanups.push(() => nats.stop());
  return { nats, url: nats.url, users: credentials };
}

/** NATS_USER and NATS_PASSWORD of a service that talks to the broker (auth does not). */
function brokerEnv(users: LocalStack['natsUsers'], name: ServiceName): NodeJS.ProcessEnv {
  const own = name === 'auth' ? undefined : users?.[name];
  return own ? { NATS_USER: own.user, NATS_PASSWORD: own.password } : {};
}

/** Stripe itself when STRIPE_SECRET_KEY is set; otherwise the local Stripe-compatible test server. */
async function startPaymentsProvider(
  env: NodeJS.ProcessEnv,
  cleanups: Cleanups,
): Promise<{ stripe?: LocalStripe; env: NodeJS.ProcessEnv }> {
  if (env.STRIPE_SECRET_KEY) {
    return { env: { STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY, ...(env.STRIPE_API_URL ? { STRIPE_API_URL: env.STRIPE_API_URL } : {}) } };
  }
  const stripe = await startLocalStripe();
  cleanups.push(() => stripe.stop());
  return { stripe, env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_API_URL: stripe.url } };
}

interface ProcessPlan {
  rootDir: string;
  env: NodeJS.ProcessEnv;
  replicas: Partial<Record<ServiceName, number>>;
  log: (line: string) => void;
  /** What every service gets; `perService` adds its own. */
  shared: NodeJS.ProcessEnv;
  perService: Record<ServiceName, NodeJS.ProcessEnv>;
  /** A service's port when it runs as one replica and others must know it before it starts. */
  ports: Partial<Record<ServiceName, number>>;
}

function serviceProcesses(plan: ProcessPlan): Record<ServiceName, ServiceProcess[]> {
  const passthrough: NodeJS.ProcessEnv = {};
  for (const key of PASSTHROUGH) if (plan.env[key] !== undefined) passthrough[key] = plan.env[key];
  // OpenTelemetry's standard variables (docs/operations.md, "Traces"); each service names itself.
  for (const [key, value] of Object.entries(plan.env)) if (key.startsWith('OTEL_') && key !== 'OTEL_SERVICE_NAME') passthrough[key] = value;
  const services = {} as Record<ServiceName, ServiceProcess[]>;
  for (const name of SERVICE_NAMES) {
    const count = plan.replicas[name] ?? 1;
    services[name] = Array.from(
      { length: count },
      (_, i) =>
        new ServiceProcess({
          name: count > 1 ? `${name}-${i + 1}` : name,
          cwd: path.join(plan.rootDir, name),
          log: plan.log,
          port: count === 1 ? plan.ports[name] : undefined,
          env: {
            PATH: process.env.PATH,
            NODE_ENV: plan.env.NODE_ENV ?? 'development',
            ...passthrough,
            ...plan.shared,
            ...plan.perService[name],
            NATS_CLIENT_ID: `${name}-${i + 1}-${crypto.randomBytes(3).toString('hex')}`,
            // The gateway speaks plain HTTP locally, so the session cookie cannot be `secure`.
            COOKIE_SECURE: 'false',
          },
        }),
    );
  }
  return services;
}

/** The gateway that routes like the ingress, on `port` (0: a free one). */
async function startGateway(
  services: Record<ServiceName, ServiceProcess[]>,
  port: number,
  clientDir: string,
  cleanups: Cleanups,
): Promise<string> {
  const gateway = createGateway(
    Object.fromEntries(
      SERVICE_NAMES.map((name) => [SERVICE_ROUTES[name], () => services[name].filter((s) => s.running).map((s) => s.url)]),
    ),
    { clientDir },
  );
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
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
}

/**
 * Starts the whole suite on one machine: the MongoDB test double as a single-node replica set (one
 * database per service) unless MONGO_URI_* are given, a nats-server with JetStream unless NATS_URL is
 * given, the local Stripe-compatible server unless STRIPE_SECRET_KEY is given, every service as a
 * separate process, and a gateway that routes like the ingress.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const cleanups: Cleanups = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const { mongo, uris: mongoUris } = await startDatabases(env, cleanups);
    const { nats, url: natsUrl, users: natsUsers } = await startBroker(env, cleanups);
    const provider = await startPaymentsProvider(env, cleanups);
    const sessionKeys = sessionKeysFrom(env, log);
    // The other services ask auth whether a session is still active (AUTH_URL), as in Kubernetes
    // through auth-srv: straight at auth when it runs as one replica, else through the gateway, which
    // balances over the replicas. Either port is chosen now, before the services start.
    const gatewayPort = opts.port || (await freeTcpPort());
    const authPort = (opts.replicas?.auth ?? 1) === 1 ? await freeTcpPort() : undefined;
    const authUrl = `http://127.0.0.1:${authPort ?? gatewayPort}`;
    const sessionEnv = (name: ServiceName): NodeJS.ProcessEnv =>
      name === 'auth'
        ? { JWT_PRIVATE_KEY: sessionKeys.privateKey, JWT_PUBLIC_KEY: sessionKeys.publicKey }
        : { JWT_PUBLIC_KEY: sessionKeys.publicKey, AUTH_URL: authUrl };
    const perService = {} as Record<ServiceName, NodeJS.ProcessEnv>;
    for (const name of SERVICE_NAMES) perService[name] = { MONGO_URI: mongoUris[name], ...sessionEnv(name), ...brokerEnv(natsUsers, name) };
    perService.payments = { ...perService.payments, ...provider.env };
    // Every client of the local stack reaches auth from 127.0.0.1 through the gateway (the system tests
    // sign up 100 users, the benchmark 50), so auth's throttle counts are lifted; THROTTLE_* given to the launcher win.
    const throttleGiven = Object.entries(env).filter(([key]) => key.startsWith('THROTTLE_'));
    perService.auth = {
      ...perService.auth,
      THROTTLE_IP_ATTEMPTS: '100000',
      THROTTLE_IP_BURST: '100000',
      THROTTLE_ACCOUNT_FAILURES: '1000',
      ...Object.fromEntries(throttleGiven),
    };
    const rootDir = opts.rootDir ?? path.resolve(__dirname, '../..');
    const services = serviceProcesses({
      rootDir,
      env,
      replicas: opts.replicas ?? {},
      log,
      shared: { NATS_URL: natsUrl },
      perService,
      ports: { auth: authPort },
    });
    const all = Object.values(services).flat();
    cleanups.push(() => Promise.all(all.map((s) => s.stop())));
    // Start replicas concurrently: the double and the broker are already up.
    await Promise.all(all.map((s) => s.start()));
    const url = await startGateway(services, gatewayPort, opts.clientDir ?? path.join(rootDir, 'client', 'dist'), cleanups);
    return { url, sessionKeys, mongo, nats, natsUrl, natsUsers, stripe: provider.stripe, mongoUris, services, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
