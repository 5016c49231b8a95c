// Versioned documents. Each document (keyed by its canonical _id) keeps a short chain of committed
// versions, newest last, so a transaction reads the state as of its snapshot while others commit.
import type { Doc } from './values';

/** Whoever holds a document's write lock: an open transaction. Plain writes wait for `finished`. */
export interface LockOwner {
  readonly id: number;
  readonly finished: Promise<void>;
}

export interface Version {
  /** Logical commit time; versions with ts <= a snapshot are visible to it. */
  readonly ts: number;
  /** null: deleted at ts. */
  readonly doc: Doc | null;
  /** Cached normalised view of `doc` for query evaluation (versions are immutable). */
  norm?: Doc;
  /** Its keys have left the ordered indexes: no open transaction and no current reader can see it,
   *  only a snapshot read of the past (which then scans the collection). */
  unindexed?: boolean;
}

let nextRecordSeq = 1;

export class DocRecord {
  versions: Version[] = [];
  /** The open transaction that has written this document, if any. */
  lock: LockOwner | null = null;
  /** Creation order (the order of a collection scan), which breaks ties between equal index keys. */
  readonly seq = nextRecordSeq++;

  constructor(readonly key: string) {}

  latest(): Version | undefined {
    return this.versions[this.versions.length - 1];
  }

  latestTs(): number {
    return this.latest()?.ts ?? 0;
  }

  /** The newest version visible at `snapshot`. */
  at(snapshot: number): Version | undefined {
    for (let i = this.versions.length - 1; i >= 0; i--) {
      if (this.versions[i].ts <= snapshot) return this.versions[i];
    }
    return undefined;
  }

  /** Drops versions no open snapshot can see any more. Returns true when nothing is left to keep
   *  (the document is deleted for everyone and unlocked), so the caller may forget the record. */
  prune(oldestSnapshot: number): boolean {
    let keepFrom = 0;
    for (let i = this.versions.length - 1; i >= 0; i--) {
      if (this.versions[i].ts <= oldestSnapshot) {
        keepFrom = i;
        break;
      }
    }
    if (keepFrom > 0) this.versions = this.versions.slice(keepFrom);
    if (this.lock) return false;
    if (this.versions.length === 0) return true;
    return this.versions.length === 1 && this.versions[0].doc === null && this.versions[0].ts <= oldestSnapshot;
  }
}
