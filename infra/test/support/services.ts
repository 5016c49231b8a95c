import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** A variable a Deployment takes from a Secret, and a value that stands in for it outside the cluster. */
export interface SecretVariable {
  variable: string;
  secret: string;
  key: string;
  testValue(): string;
}

/** What the infra tests expect of one service this repo builds (image `ticketing/<name>`). */
export interface ServiceFacts {
  name: string;
  /** The MongoDB database in its MONGO_URI. */
  database: string;
  /** The ingress path prefix it owns. */
  routePrefix: string;
  usesNats: boolean;
  /** Secrets of the application itself (the image replays give them test values). */
  secrets: SecretVariable[];
  /** Its database and broker credentials: variables from its own Secrets (the replays pass their own). */
  credentials: Array<Omit<SecretVariable, 'testValue'>>;
  /** Variables the service knows that Kubernetes must leave unset. */
  unsetInCluster: string[];
}

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** One session key pair per test run: the private key for auth only, the public key for every service. */
const SESSION_KEYS = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const JWT_PRIVATE: SecretVariable = {
  variable: 'JWT_PRIVATE_KEY',
  secret: 'jwt-private-key',
  key: 'JWT_PRIVATE_KEY',
  testValue: () => SESSION_KEYS.privateKey,
};

const JWT_PUBLIC: SecretVariable = {
  variable: 'JWT_PUBLIC_KEY',
  secret: 'jwt-public-key',
  key: 'JWT_PUBLIC_KEY',
  testValue: () => SESSION_KEYS.publicKey,
};

const STRIPE_SECRET: SecretVariable = {
  variable: 'STRIPE_SECRET_KEY',
  secret: 'stripe-secret',
  key: 'STRIPE_SECRET_KEY',
  testValue: () => `sk_test_${randomHex(12)}`,
};

/** MONGO_USER/MONGO_PASSWORD (from `<service>-mongo-credentials`), and NATS_PASSWORD (`<service>-nats`) when it uses the broker. */
function credentialsOf(service: string, usesNats: boolean): ServiceFacts['credentials'] {
  return [
    { variable: 'MONGO_USER', secret: `${service}-mongo-credentials`, key: 'MONGO_USER' },
    { variable: 'MONGO_PASSWORD', secret: `${service}-mongo-credentials`, key: 'MONGO_PASSWORD' },
    ...(usesNats ? [{ variable: 'NATS_PASSWORD', secret: `${service}-nats`, key: 'NATS_PASSWORD' }] : []),
  ];
}

/** Every service: the manifests, the ingress, skaffold and the Dockerfile replays must cover each one. */
export const SERVICES: readonly ServiceFacts[] = [
  {
    name: 'auth',
    credentials: credentialsOf('auth', false),
    database: 'auth',
    routePrefix: '/api/users',
    usesNats: false,
    secrets: [JWT_PRIVATE, JWT_PUBLIC],
    unsetInCluster: [],
  },
  {
    name: 'tickets',
    credentials: credentialsOf('tickets', true),
    database: 'tickets',
    routePrefix: '/api/tickets',
    usesNats: true,
    secrets: [JWT_PUBLIC],
    unsetInCluster: [],
  },
  {
    name: 'orders',
    credentials: credentialsOf('orders', true),
    database: 'orders',
    routePrefix: '/api/orders',
    usesNats: true,
    secrets: [JWT_PUBLIC],
    unsetInCluster: [],
  },
  {
    name: 'payments',
    credentials: credentialsOf('payments', true),
    database: 'payments',
    routePrefix: '/api/payments',
    usesNats: true,
    secrets: [JWT_PUBLIC, STRIPE_SECRET],
    // The local Stripe-compatible test server: in Kubernetes the service talks to Stripe itself.
    unsetInCluster: ['STRIPE_API_URL'],
  },
];

export const SERVICE_NAMES: readonly string[] = SERVICES.map((service) => service.name);

export function serviceFacts(name: string): ServiceFacts {
  const facts = SERVICES.find((service) => service.name === name);
  if (!facts) throw new Error(`unknown service ${name}`);
  return facts;
}

/** The web client's image (`ticketing/client`): static files behind the ingress's `/`, no config of its own. */
export const WEB_CLIENT = { name: 'client', routePrefix: '/', image: 'ticketing/client', port: 8080 } as const;

/** Every image this repo builds: the services and the web client. */
export const IMAGE_NAMES: readonly string[] = [...SERVICE_NAMES, WEB_CLIENT.name];
