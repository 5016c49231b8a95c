// State shared by the global setup and teardown, which Jest loads as separate modules (and once per
// project) in its main process.
import type { TestMongo } from '../launch';

interface SharedMongo {
  mongo: TestMongo | undefined;
  users: number;
}

const KEY = Symbol.for('@ticketing/mongod-double/shared-mongo');

export function sharedMongo(): SharedMongo {
  const holder = globalThis as { [KEY]?: SharedMongo };
  holder[KEY] ??= { mongo: undefined, users: 0 };
  return holder[KEY];
}
