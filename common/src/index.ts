// Public surface of @ticketing/common. Each area re-exports its own modules.
export * from './events/subjects';
export * from './events/types';
export * from './errors';
export * from './middlewares';
export * from './logger';
export * from './config';
export * from './http';
export * from './events/event-message';
export * from './events/publisher';
export * from './events/listener';
export * from './events/dead-letters';
export * from './transport';
export * from './nats-wrapper';
export * from './outbox';
