// Read concern: levels, causal consistency (afterClusterTime) and snapshot reads outside
// transactions (find, aggregate and distinct only, as in mongod 7.0), which read the committed state
// as of atClusterTime — or now — through a read-only view of the engine's version chains.
import type { Timestamp } from 'bson';
import { readConcernTimestamp } from './cluster-time';
import { CommandError, ErrorCodes } from './errors';
import type { ServerState } from './state';
import { Transaction } from './transactions';
import { isDoc, type Doc } from './values';

const LEVELS = new Set(['local', 'majority', 'linearizable', 'available', 'snapshot']);
/** Commands that may read at a snapshot outside a transaction. */
const SNAPSHOT_COMMANDS = new Set(['find', 'aggregate', 'distinct']);

export interface SnapshotRead {
  reader: Transaction;
  atClusterTime: Timestamp;
}

function notGreaterThanNow(server: ServerState, ts: Timestamp, field: string): number {
  const clock = server.clusterClock.clockOf(ts);
  if (clock > server.engine.clock) {
    throw new CommandError(
      ErrorCodes.InvalidOptions,
      `readConcern ${field} value must not be greater than the current clusterTime. Requested clusterTime: ${ts.toString()}; current clusterTime: ${server.clusterClock.timestampOf(server.engine.clock).toString()}`,
    );
  }
  return clock;
}

/** Checks the command's readConcern; for a snapshot read outside a transaction, the view to read. */
export function prepareReadConcern(server: ServerState, name: string, body: Doc, inTransaction: boolean): SnapshotRead | undefined {
  const readConcern = body.readConcern;
  if (readConcern === undefined) return undefined;
  if (!isDoc(readConcern))
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'readConcern' is the wrong type, expected type 'object'");
  const level = readConcern.level ?? 'local';
  if (typeof level !== 'string' || !LEVELS.has(level)) {
    throw new CommandError(ErrorCodes.BadValue, `Enumeration value '${String(level)}' for field 'readConcern.level' is not a valid value.`);
  }
  const after = readConcernTimestamp(readConcern, 'afterClusterTime');
  // One member: everything committed is already applied, so waiting for afterClusterTime is instant.
  if (after) notGreaterThanNow(server, after, 'afterClusterTime');
  const at = readConcernTimestamp(readConcern, 'atClusterTime');
  if (at && level !== 'snapshot')
    throw new CommandError(ErrorCodes.InvalidOptions, 'atClusterTime is only allowed with readConcern level snapshot');
  if (level !== 'snapshot' || inTransaction) return undefined;
  if (!SNAPSHOT_COMMANDS.has(name)) {
    throw new CommandError(ErrorCodes.InvalidOptions, `Command ${name} does not support { readConcern: { level: "snapshot" } }`);
  }
  const clock = at ? notGreaterThanNow(server, at, 'atClusterTime') : server.engine.clock;
  if (clock < server.engine.historyFloor) {
    throw new CommandError(
      ErrorCodes.SnapshotTooOld,
      `Read timestamp ${server.clusterClock.timestampOf(clock).toString()} is older than the oldest available timestamp.`,
    );
  }
  return { reader: new Transaction('snapshot-read', -1n, clock), atClusterTime: server.clusterClock.timestampOf(clock) };
}

/** Snapshot reads report the time they read at, in the cursor (find, aggregate) or beside it. */
export function withAtClusterTime(reply: Doc, atClusterTime: Timestamp): Doc {
  if (reply.ok !== 1) return reply;
  if (isDoc(reply.cursor)) return { ...reply, cursor: { ...reply.cursor, atClusterTime } };
  return { ...reply, atClusterTime };
}
