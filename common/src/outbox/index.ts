export * from './outbox-record';
export * from './outbox';
export * from './outbox-relay';
export * from './relay-store';
export * from './embedded-outbox';
export * from './inbox';
export * from './relay-hook';
export * from './outbox-metrics';
