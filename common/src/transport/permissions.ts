import { Subjects } from '../contracts/subjects';
import { DEAD_LETTER_SUBJECT_PREFIX, DEFAULT_DEAD_LETTER_STREAM_NAME, DEFAULT_STREAM_NAME, durableName } from './names';

// The one place the broker permissions of each service are written down (docs/security.md, "Broker").
// The local stack's nats-server configuration is generated from it, and so should the Kubernetes one be.

/** The services that connect to the broker; each connects as the NATS user of the same name. */
export type BrokerService = 'tickets' | 'orders' | 'payments';

export const BROKER_SERVICES: readonly BrokerService[] = ['tickets', 'orders', 'payments'];

/** What each service publishes and consumes (DESIGN §1), and the queue group its durables belong to. */
export const BROKER_ROLES: Readonly<
  Record<BrokerService, { queueGroup: string; publishes: readonly Subjects[]; consumes: readonly Subjects[] }>
> = {
  tickets: {
    queueGroup: 'tickets-service',
    publishes: [Subjects.TicketCreated, Subjects.TicketUpdated],
    consumes: [Subjects.OrderCreated, Subjects.OrderCancelled],
  },
  orders: {
    queueGroup: 'orders-service',
    publishes: [Subjects.OrderCreated, Subjects.OrderCancelled],
    consumes: [Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.PaymentCreated],
  },
  payments: {
    queueGroup: 'payments-service',
    publishes: [Subjects.PaymentCreated],
    consumes: [Subjects.OrderCreated, Subjects.OrderCancelled],
  },
};

/** nats-server's `permissions` object: only what `allow` lists is permitted. */
export interface BrokerPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

export interface BrokerPermissionOptions {
  /** The event stream (default `TICKETING`). */
  stream?: string;
  /** The dead-letter stream (default `DEAD_LETTERS`). */
  deadLetterStream?: string;
  /** The NATS user the service connects as (default: the service's name); it names the reply inbox. */
  user?: string;
}

/**
 * The reply subjects of a connection as `user`: `_INBOX.<user>`. The transport uses it as its inbox
 * prefix when it connects with a user, so no service can read another's replies or pulled messages.
 */
export function brokerInboxPrefix(user: string): string {
  return `_INBOX.${user.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/**
 * Everything the JetStream transport of `service` needs, and nothing more: publishing its own
 * subjects (each named: `:` is no token separator, so `ticket:*` would be no wildcard), the
 * `$JS.API` requests for the event and dead-letter streams (info, create, update), for its own
 * durables (info, create/update pinned to its filter subject, pull `MSG.NEXT`), reading a stored
 * event for a max-deliveries advisory (`STREAM.MSG.GET` of the event stream), acks of its own
 * durables, recording its own dead letters, and receiving its replies and its advisories.
 * Listing and replaying dead letters (`STREAM.MSG.GET`/`MSG.DELETE` of `DEAD_LETTERS`, publishing
 * the original subject again) is an operator's job, not a service's.
 */
export function brokerPermissions(service: BrokerService, options: BrokerPermissionOptions = {}): BrokerPermissions {
  const role = BROKER_ROLES[service];
  if (!role) throw new Error(`Unknown broker service "${String(service)}"`);
  const stream = options.stream ?? DEFAULT_STREAM_NAME;
  const deadLetters = options.deadLetterStream ?? DEFAULT_DEAD_LETTER_STREAM_NAME;
  const api = '$JS.API';
  const publish: string[] = [
    ...role.publishes,
    `${api}.INFO`,
    ...[stream, deadLetters].flatMap((name) => ['INFO', 'CREATE', 'UPDATE'].map((op) => `${api}.STREAM.${op}.${name}`)),
    `${api}.STREAM.MSG.GET.${stream}`,
  ];
  const subscribe: string[] = [`${brokerInboxPrefix(options.user ?? service)}.>`];
  for (const subject of role.consumes) {
    const durable = durableName(role.queueGroup, subject);
    publish.push(
      `${api}.CONSUMER.INFO.${stream}.${durable}`,
      `${api}.CONSUMER.CREATE.${stream}.${durable}.${subject}`,
      `${api}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      `$JS.ACK.${stream}.${durable}.>`,
      `${DEAD_LETTER_SUBJECT_PREFIX}.${durable}.>`,
    );
    subscribe.push(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`);
  }
  return { publish: { allow: publish }, subscribe: { allow: subscribe } };
}

/** One entry of nats-server's `authorization { users = [...] }`; no `permissions`: everything (an operator). */
export interface BrokerUser {
  user: string;
  password: string;
  permissions?: BrokerPermissions;
}

/**
 * The `authorization` block of a nats-server configuration for these users (JSON is valid nats-server
 * configuration syntax). Only these users may connect: there is no anonymous access.
 */
export function natsAuthorizationConfig(users: readonly BrokerUser[]): string {
  if (users.length === 0) throw new Error('an authorization block needs at least one user');
  return `authorization: ${JSON.stringify({ users }, null, 2)}\n`;
}
