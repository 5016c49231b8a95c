// Test helpers only: databases and brokers for tests, the Jest fake of NatsWrapper, one polling helper,
// the query-plan assertion, test sessions.
export { startMongo, mongoUriWithDatabase, uniqueDatabaseName, type TestMongo } from '@ticketing/mongod-double';
export * from './mongoose';
export * from './nats-server';
export * from './fake-nats';
export * from './eventually';
export * from './nats-cluster';
export * from './query-plans';
export * from './sessions';
