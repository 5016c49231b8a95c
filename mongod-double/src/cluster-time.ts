// Cluster time as a replica-set member reports it: every reply carries `operationTime` and a
// `$clusterTime` (unsigned: no auth, no keys), so drivers' causally consistent sessions send
// `afterClusterTime` on their next reads. The engine's logical clock (one tick per commit) maps to
// Timestamp(start second, clock + 1).
import { Binary, Long, Timestamp } from 'bson';
import { CommandError, ErrorCodes } from './errors';
import { isDoc, type Doc } from './values';

const SIGNATURE = { hash: new Binary(Buffer.alloc(20)), keyId: Long.ZERO };

export class ClusterClock {
  readonly seconds = Math.floor(Date.now() / 1000);

  timestampOf(clock: number): Timestamp {
    return new Timestamp({ t: this.seconds, i: clock + 1 });
  }

  /** The logical clock a timestamp stands for (before the first tick: -1). */
  clockOf(ts: Timestamp): number {
    if (ts.high < this.seconds) return -1;
    if (ts.high > this.seconds) return Number.MAX_SAFE_INTEGER;
    return ts.low - 1;
  }

  replyFields(clock: number): Doc {
    const clusterTime = this.timestampOf(clock);
    return { $clusterTime: { clusterTime, signature: SIGNATURE }, operationTime: clusterTime };
  }
}

/** A timestamp field of readConcern (afterClusterTime, atClusterTime), checked like mongod does. */
export function readConcernTimestamp(readConcern: unknown, field: 'afterClusterTime' | 'atClusterTime'): Timestamp | undefined {
  if (!isDoc(readConcern) || readConcern[field] === undefined) return undefined;
  const value = readConcern[field];
  if (!(value instanceof Timestamp)) {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      `BSON field 'readConcern.${field}' is the wrong type '${typeof value}', expected type 'timestamp'`,
    );
  }
  return value;
}
