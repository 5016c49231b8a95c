// Logical sessions, multi-document transactions and retryable-write bookkeeping. State is keyed by the
// session id (lsid) and transaction number, never by connection: a driver may run one transaction's
// statements over several connections.
import type { Binary } from 'bson';
import type { Collection } from './catalog';
import type { IndexKey, Index } from './indexes';
import type { DocRecord, LockOwner } from './storage';
import type { Doc } from './values';

export interface PendingWrite {
  readonly collection: Collection;
  /** The document as this transaction will commit it; null deletes it. */
  doc: Doc | null;
  norm?: Doc;
  /** Unique keys this write registered as pending, to release them on the next write or the end. */
  keys: Array<[Index, IndexKey[]]>;
}

export type TransactionState = 'inProgress' | 'committed' | 'aborted';

let nextTransactionId = 1;

export class Transaction implements LockOwner {
  readonly id = nextTransactionId++;
  readonly writes = new Map<DocRecord, PendingWrite>();
  /** Collections it created: published at commit, removed at abort. */
  readonly createdCollections: Collection[] = [];
  state: TransactionState = 'inProgress';
  readonly finished: Promise<void>;
  expiry: NodeJS.Timeout | undefined;
  private resolveFinished!: () => void;

  constructor(
    readonly sessionKey: string,
    readonly txnNumber: bigint,
    /** Logical time of the snapshot it reads. */
    readonly snapshot: number,
  ) {
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  finish(state: 'committed' | 'aborted'): void {
    this.state = state;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = undefined;
    this.resolveFinished();
  }
}

export interface Session {
  readonly key: string;
  /** The highest transaction number seen on this session. */
  txnNumber: bigint;
  txn: Transaction | undefined;
  /** The latest retryable write's reply (a promise while it runs, so a retry never runs it twice). */
  retryable: { txnNumber: bigint; reply: Promise<Doc> } | undefined;
  lastUse: number;
}

export function sessionKeyOf(lsid: unknown): string | undefined {
  if (lsid === null || typeof lsid !== 'object') return undefined;
  const id = (lsid as { id?: unknown }).id;
  if (id && typeof id === 'object' && 'buffer' in id) return Buffer.from((id as Binary).buffer).toString('hex');
  return undefined;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  get(key: string): Session {
    let session = this.sessions.get(key);
    if (!session) {
      session = { key, txnNumber: -1n, txn: undefined, retryable: undefined, lastUse: Date.now() };
      this.sessions.set(key, session);
    }
    session.lastUse = Date.now();
    return session;
  }

  peek(key: string): Session | undefined {
    return this.sessions.get(key);
  }

  delete(key: string): Session | undefined {
    const session = this.sessions.get(key);
    this.sessions.delete(key);
    return session;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** Forgets sessions idle for longer than the logical session timeout. */
  expire(idleMs: number, now = Date.now()): Session[] {
    const expired: Session[] = [];
    for (const session of this.sessions.values()) {
      if (now - session.lastUse > idleMs && (!session.txn || session.txn.state !== 'inProgress')) {
        expired.push(session);
        this.sessions.delete(session.key);
      }
    }
    return expired;
  }
}
