import mongoose, { Connection } from 'mongoose';
import type { ReadinessCheck } from '../core/lifecycle';

const MONGOOSE_CONNECTED = 1;

/** Ready when the mongoose connection is open and the server answers a ping within `timeoutMs`. */
export function mongooseReadinessCheck(connection: Connection = mongoose.connection, timeoutMs = 2000): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      if (connection.readyState !== MONGOOSE_CONNECTED || !connection.db) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`ping took longer than ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const reply = await Promise.race([connection.db.admin().ping(), timeout]);
        return Number((reply as { ok?: unknown }).ok) === 1;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
