// Test helpers only: databases and brokers for tests, the Jest fake of NatsWrapper, one polling helper,
// the query-plan assertion. Test sessions are the `@ticketing/testkit/sessions` subpath: they load
// common's HTTP layer, which a test of anything else should not have to.
export { startMongo, mongoUriWithDatabase, uniqueDatabaseName, type TestMongo } from '@ticketing/mongod-double';
export * from './mongoose';
export * from './nats-server';
export * from './fake-nats';
export * from './eventually';
export * from './nats-cluster';
export * from './query-plans';
