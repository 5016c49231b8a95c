// Test helpers only: databases and brokers for tests, the Jest fake of NatsWrapper, one polling helper,
// test sessions (keys, a fake auth, signin) and the query-plan assertion.
export { startMongo, mongoUriWithDatabase, uniqueDatabaseName, type TestMongo } from '@ticketing/mongod-double';
export * from './mongoose';
export * from './nats-server';
export * from './fake-nats';
export * from './eventually';
export * from './nats-cluster';
export * from './test-sessions';
export * from './query-plans';
