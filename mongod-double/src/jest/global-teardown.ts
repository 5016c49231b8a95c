// Jest globalTeardown: stops the replica set of mongo-global-setup after the last project using it.
import { sharedMongo } from './shared';

export default async function mongoGlobalTeardown(): Promise<void> {
  const shared = sharedMongo();
  if (!shared.mongo) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  const { mongo } = shared;
  shared.mongo = undefined;
  if (process.env.TEST_MONGO_URI === mongo.uri) delete process.env.TEST_MONGO_URI;
  await mongo.stop();
}
