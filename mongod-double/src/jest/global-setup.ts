// Jest globalSetup: one MongoDB replica set for the whole run, shared by every project that lists this
// setup; its URI reaches test files (and worker processes) as TEST_MONGO_URI.
import { startMongo } from '../launch';
import { sharedMongo } from './shared';

export default async function mongoGlobalSetup(): Promise<void> {
  const shared = sharedMongo();
  if (shared.mongo) {
    shared.users += 1;
    return;
  }
  // Provided from outside (a server someone started): use it, never stop it.
  if (process.env.TEST_MONGO_URI) return;
  shared.mongo = await startMongo();
  shared.users = 1;
  process.env.TEST_MONGO_URI = shared.mongo.uri;
}
