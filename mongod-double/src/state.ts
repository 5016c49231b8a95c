// Everything one server process holds: catalogue, storage engine, sessions, cursors, fail points and
// its replica-set identity.
import { ObjectId } from 'bson';
import { Catalog } from './catalog';
import { ClusterClock } from './cluster-time';
import { CursorRegistry } from './cursors';
import { Engine } from './engine';
import { FailPoints } from './fail-points';
import { observeGc } from './gc-stats';
import type { Logger } from './log';
import { SessionRegistry } from './transactions';
import { TopCounters } from './top';
import type { Doc } from './values';

export const SERVER_VERSION = '7.0.14';
export const MAX_WIRE_VERSION = 21;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;
export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;

export interface ServerOptions {
  port: number;
  bindIp: string;
  replSet: string | undefined;
  dbPath: string | undefined;
  /** How long an open transaction may live before it is aborted. */
  transactionLifetimeMs: number;
  /** How often expired TTL documents are removed. */
  ttlIntervalMs: number;
  argv: string[];
}

export interface ReplicaSetState {
  name: string;
  initiated: boolean;
  config: Doc | undefined;
  /** Election term: 1 after replSetInitiate, one more at every re-election after a stepdown. */
  term: number;
  /** 7fffffff followed by the term, as mongod's electionId (drivers reject a primary with an older one). */
  electionId: ObjectId;
  /** Wall time until which the member is a secondary after replSetStepDown. */
  steppedDownUntil: number | undefined;
}

export function electionIdOf(term: number): ObjectId {
  return new ObjectId(`7fffffff${term.toString(16).padStart(16, '0')}`);
}

export class ServerState {
  readonly catalog = new Catalog();
  readonly engine = new Engine(this.catalog);
  readonly sessions = new SessionRegistry();
  readonly cursors = new CursorRegistry();
  readonly failPoints = new FailPoints();
  readonly clusterClock = new ClusterClock();
  readonly startedAt = new Date();
  readonly replSet: ReplicaSetState | undefined;
  connectionsCurrent = 0;
  connectionsTotal = 0;
  /** Commands run by name, as serverStatus reports them in `metrics.commands`. */
  readonly commandCounts = new Map<string, { total: number; failed: number }>();
  /** Per-collection usage, as the `top` command reports it. */
  readonly top = new TopCounters();
  /** Set by the server: closes the listener and exits. */
  shutdown: () => void = () => undefined;

  constructor(
    readonly options: ServerOptions,
    readonly log: Logger,
  ) {
    observeGc();
    this.replSet = options.replSet
      ? {
          name: options.replSet.split('/')[0],
          initiated: false,
          config: undefined,
          term: 1,
          electionId: electionIdOf(1),
          steppedDownUntil: undefined,
        }
      : undefined;
  }

  /** host:port as members and clients know this server. */
  get me(): string {
    const configured = this.replSet?.config?.members;
    if (Array.isArray(configured) && configured.length > 0) {
      const host = (configured[0] as Doc).host;
      if (typeof host === 'string') return host;
    }
    const ip = this.options.bindIp.split(',')[0].trim();
    const host = ip === '0.0.0.0' || ip === '::' || ip === '' ? '127.0.0.1' : ip;
    return `${host}:${this.options.port}`;
  }

  get hosts(): string[] {
    const configured = this.replSet?.config?.members;
    if (Array.isArray(configured) && configured.length > 0) {
      return configured.map((m) => (m as Doc).host).filter((h): h is string => typeof h === 'string');
    }
    return [this.me];
  }

  /** A replica-set member accepts writes only once initiated and while not stepped down; a standalone always does. */
  get writable(): boolean {
    return !this.replSet || (this.replSet.initiated && !this.steppedDown);
  }

  /** Between replSetStepDown and the re-election: a secondary. */
  get steppedDown(): boolean {
    return this.replSet?.steppedDownUntil !== undefined;
  }
}
