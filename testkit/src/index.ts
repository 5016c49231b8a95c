export {};
export * from './nats-server';
export * from './fake-nats';
export * from './mongo';
export * from './stack/local-stack';
export * from './stack/service-process';
export * from './stack/gateway';
export * from './stack/wait-for';
