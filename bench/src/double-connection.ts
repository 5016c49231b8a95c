import mongoose from 'mongoose';
import { mongoUriWithDatabase, startMongo } from '@ticketing/testkit';

/**
 * Runs a benchmark that needs only the MongoDB test double: starts one, hands `measure` a mongoose
 * connection to its `bench` database, and stops both afterwards. A failure is printed and sets the
 * exit code.
 */
export function runOnDouble(measure: (connection: mongoose.Connection) => Promise<void>): void {
  const run = async (): Promise<void> => {
    const mongo = await startMongo();
    const connection = await mongoose.createConnection(mongoUriWithDatabase(mongo.uri, 'bench')).asPromise();
    try {
      await measure(connection);
    } finally {
      await connection.close();
      await mongo.stop();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
