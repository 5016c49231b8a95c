/**
 * The nats-server configuration the Kubernetes manifests must carry (infra/k8s/base/nats.yaml and the
 * prod overlay's cluster variant), derived from the broker permissions in common so the two cannot
 * drift. The configuration is JSON (valid nats-server syntax) in which a password is a bare `$VARIABLE`:
 * nats-server reads it from its environment, where it comes from the service's Secret.
 */
import { BROKER_SERVICES, brokerPermissions, type BrokerService } from '@ticketing/common/transport';

/** A `$VARIABLE` reference of the configuration, as {@link parseNatsConfig} returns it. */
export interface EnvReference {
  env: string;
}

export type ConfigValue = string | number | boolean | EnvReference | ConfigValue[] | { [key: string]: ConfigValue };

/** The NATS user of the operator (every permission): listing and replaying dead letters (docs/security.md). */
export const OPERATOR_USER = 'operator';

/** The environment variable of the NATS pod that holds a user's password (from the Secret `<user>-nats`). */
export function passwordVariable(user: string): string {
  return `${user.toUpperCase()}_NATS_PASSWORD`;
}

export const NATS_CLUSTER = { name: 'ticketing', port: 6222, statefulSet: 'nats', service: 'nats-srv', replicas: 3 } as const;

/** The expected configuration: JetStream on /data, monitoring on 8222, only the listed users; in prod a 3-node cluster. */
export function expectedNatsConfig(shape: 'dev' | 'prod'): { [key: string]: ConfigValue } {
  const users: ConfigValue[] = [
    ...BROKER_SERVICES.map((service: BrokerService) => ({
      user: service,
      password: { env: passwordVariable(service) },
      permissions: brokerPermissions(service) as unknown as ConfigValue,
    })),
    { user: OPERATOR_USER, password: { env: passwordVariable(OPERATOR_USER) } },
  ];
  const routes = Array.from(
    { length: NATS_CLUSTER.replicas },
    (_, ordinal) => `nats://${NATS_CLUSTER.statefulSet}-${ordinal}.${NATS_CLUSTER.service}:${NATS_CLUSTER.port}`,
  );
  return {
    server_name: { env: 'POD_NAME' },
    port: 4222,
    http_port: 8222,
    jetstream: { store_dir: '/data' },
    ...(shape === 'prod' ? { cluster: { name: NATS_CLUSTER.name, port: NATS_CLUSTER.port, routes } } : {}),
    authorization: { users },
  };
}

/** Renders a configuration as nats-server reads it: JSON with `$VARIABLE` references. */
export function renderNatsConfig(config: { [key: string]: ConfigValue }): string {
  return `${JSON.stringify(config, null, 2).replace(/\{\s*"env": "([A-Z_][A-Z0-9_]*)"\s*\}/g, '$$$1')}\n`;
}

/** Parses a configuration of that shape (JSON, with bare `$VARIABLE` values); throws on anything else. */
export function parseNatsConfig(text: string): { [key: string]: ConfigValue } {
  return JSON.parse(text.replace(/:\s*\$([A-Z_][A-Z0-9_]*)/g, ': {"env": "$1"}')) as { [key: string]: ConfigValue };
}
