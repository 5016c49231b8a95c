export * from './transport';
export * from './names';
export { KeyedConcurrency } from './keyed-concurrency';
export { JetStreamTransport } from './jetstream-transport';
export { subjectMatches } from './jetstream-message';
export {
  StreamingTransport,
  stanAckWaitMs,
  type StanClient,
  type StanConnect,
  type StanMessage,
  type StanSubscription,
  type StanSubscriptionOptions,
  type StreamingTransportOptions,
} from './streaming-transport';
export { createTransport, natsConfigSpec } from './create-transport';
export { natsServers, natsUrlList, streamReplicas } from './broker-config';
export * from './event-message';
export * from './dead-letters';
export * from './nats-wrapper';
export {
  BROKER_ROLES,
  BROKER_SERVICES,
  brokerInboxPrefix,
  brokerPermissions,
  natsAuthorizationConfig,
  type BrokerPermissionOptions,
  type BrokerPermissions,
  type BrokerService,
  type BrokerUser,
} from './permissions';
export { brokerCredentials } from './credentials';
