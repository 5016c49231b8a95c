/**
 * The metric families the services export, by name. Dashboards and alert rules
 * (infra/observability/) may use only these and the process defaults; a test cross-checks them.
 */
export const METRIC_NAMES = {
  httpRequestDuration: 'http_request_duration_seconds',
  outboxPending: 'outbox_pending_events',
  outboxOldestPendingAge: 'outbox_oldest_pending_age_seconds',
  eventsPublished: 'events_published_total',
  eventsConsumed: 'events_consumed_total',
  deadLetters: 'dead_letters_total',
  consumerPending: 'consumer_pending_messages',
} as const;

/**
 * What became of one delivery to a listener (`events_consumed_total{outcome}`): `applied` and
 * `duplicate` were acknowledged; `early` comes back later (a newer version, or an aggregate not known
 * yet); `invalid` failed its schema and was refused; `failed` threw or was left unsettled and comes
 * back; `dead_letter` was out of deliveries and recorded as a dead letter.
 */
export const CONSUMED_OUTCOMES = ['applied', 'duplicate', 'early', 'invalid', 'failed', 'dead_letter'] as const;
export type ConsumedOutcome = (typeof CONSUMED_OUTCOMES)[number];

/** The `route` label of a request no route matched: one value, whatever the URL, so cardinality stays bounded. */
export const UNMATCHED_ROUTE = 'unmatched';
