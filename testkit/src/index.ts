export {};
export * from './nats-server';
export * from './fake-nats';
export * from './mongo';
