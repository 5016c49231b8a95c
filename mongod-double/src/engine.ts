// Reads and writes over versioned documents, for plain operations and transactions.
//
// - A logical clock advances once per commit (a plain write is a commit of its own).
// - A transaction reads the newest versions with ts <= its snapshot, overlaid by its own writes.
// - A transaction's first write of a document takes the document's lock. Another transaction that
//   writes a locked document, or one committed after its snapshot, gets WriteConflict; a plain write
//   waits for the lock's owner to finish and then re-evaluates.
// - Unique keys: committed keys live in the index; keys written by open transactions are pending and
//   conflict (transactions) or wait (plain writes) the same way.
// - The ordered indexes hold the keys of the versions an open transaction or a current reader may
//   see. A version superseded before every open snapshot leaves them at once (as mongod's indexes
//   hold only current keys, its history being the storage engine's), though it stays in the
//   history window for snapshot reads of the past, which scan the collection (`indexedFrom`).
// Everything here is synchronous: Node's event loop is the lock; only waiting is asynchronous.
import { Catalog, type Collection } from './catalog';
import { DuplicateKeyError, writeConflict } from './errors';
import { HistoryWindow } from './history';
import type { Index, IndexKey } from './indexes';
import { DocRecord, type LockOwner, type Version } from './storage';
import type { PendingWrite, Transaction } from './transactions';
import { canonicalKey, normalizeDoc, unwrapInt32s, type Doc } from './values';

export interface Visible {
  record: DocRecord;
  doc: Doc;
  norm: Doc;
}

/** A write had to wait: retry the statement once `until` resolves. */
export class MustWait {
  constructor(readonly until: Promise<void>) {}
}

function versionNorm(version: Version): Doc | undefined {
  if (!version.doc) return undefined;
  version.norm ??= normalizeDoc(version.doc);
  return version.norm;
}

function pendingNorm(write: PendingWrite): Doc | undefined {
  if (!write.doc) return undefined;
  write.norm ??= normalizeDoc(write.doc);
  return write.norm;
}

/** Counts a document version in or out of every index of its collection. */
function track(collection: Collection, record: DocRecord, doc: Doc, delta: 1 | -1): void {
  for (const index of collection.indexes) index.track(record, doc, delta);
}

export class Engine {
  clock = 0;
  readonly openTransactions = new Set<Transaction>();
  readonly history = new HistoryWindow(300_000);
  /** Snapshots older than this may have lost versions (SnapshotTooOld). */
  historyFloor = 0;
  /** Readers at a snapshot older than this may need keys that left the ordered indexes: they scan. */
  indexedFrom = 0;
  /** Records with superseded versions still indexed because an open transaction may read them. */
  private readonly superseded = new Map<DocRecord, Collection>();
  /** Records holding more than their current version (or a deletion): what pruneAll has to visit. */
  private readonly versioned = new Map<DocRecord, Collection>();

  constructor(readonly catalog: Catalog) {}

  oldestSnapshot(): number {
    let oldest = this.history.floor(this.clock);
    for (const txn of this.openTransactions) oldest = Math.min(oldest, txn.snapshot);
    return oldest;
  }

  /** The oldest snapshot an open transaction reads, or now: what the ordered indexes must serve. */
  private liveSnapshot(): number {
    let live = this.clock;
    for (const txn of this.openTransactions) live = Math.min(live, txn.snapshot);
    return live;
  }

  /** Whether a reader at `snapshot` can use the ordered indexes (else it scans the collection). */
  indexesServe(snapshot: number | undefined): boolean {
    return snapshot === undefined || snapshot >= this.indexedFrom;
  }

  // ------------------------------------------------------------------------------------------
  // Catalogue within transactions

  /** The collection a write goes to, created if needed (in a transaction: as its own until commit). */
  ensureCollection(db: string, name: string, txn: Transaction | undefined): MustWait | { collection: Collection; created: boolean } {
    const other = this.catalog.pendingOwner(db, name, txn);
    if (other) return this.blockedBy(other, txn);
    const result = this.catalog.ensureCollection(db, name, txn);
    if (result.created && txn) txn.createdCollections.push(result.collection);
    return result;
  }

  createCollection(db: string, name: string, options: Doc, txn: Transaction | undefined): MustWait | Collection {
    const other = this.catalog.pendingOwner(db, name, txn);
    if (other) return this.blockedBy(other, txn);
    const collection = this.catalog.createCollection(db, name, options, txn);
    if (txn) txn.createdCollections.push(collection);
    return collection;
  }

  /** Drops versions no snapshot may read any more, everywhere (history outside the window). */
  pruneAll(): void {
    const oldest = this.oldestSnapshot();
    const live = this.liveSnapshot();
    // Only records with history: a million documents written once cost nothing here.
    // Deleting the current entry while iterating a Map is safe.
    for (const [record, collection] of this.versioned) this.prune(collection, record, oldest, live);
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  visible(record: DocRecord, txn: Transaction | undefined): Visible | undefined {
    if (txn) {
      const write = txn.writes.get(record);
      if (write) {
        const norm = pendingNorm(write);
        return write.doc && norm ? { record, doc: write.doc, norm } : undefined;
      }
      const version = record.at(txn.snapshot);
      const norm = version && versionNorm(version);
      return version?.doc && norm ? { record, doc: version.doc, norm } : undefined;
    }
    const version = record.latest();
    const norm = version && versionNorm(version);
    return version?.doc && norm ? { record, doc: version.doc, norm } : undefined;
  }

  *scan(collection: Collection | undefined, txn: Transaction | undefined): Iterable<Visible> {
    if (!collection) return;
    for (const record of [...collection.records.values()]) {
      const visible = this.visible(record, txn);
      if (visible) yield visible;
    }
  }

  /** How many documents of the collection the reader sees. */
  countVisible(collection: Collection | undefined, txn: Transaction | undefined): number {
    if (!collection) return 0;
    let n = 0;
    for (const record of collection.records.values()) {
      const write = txn?.writes.get(record);
      const doc = write ? write.doc : txn ? record.at(txn.snapshot)?.doc : record.latest()?.doc;
      if (doc) n += 1;
    }
    return n;
  }

  lookup(collection: Collection | undefined, id: unknown, txn: Transaction | undefined): Visible | undefined {
    const record = collection?.records.get(canonicalKey(id));
    return record ? this.visible(record, txn) : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  /**
   * Writes `doc` (null: delete) as the new state of the document with canonical id `key`.
   * Throws DuplicateKeyError or WriteConflict; returns MustWait when a plain write has to wait.
   * `insert` demands that no visible document has this _id.
   */
  write(collection: Collection, key: string, doc: Doc | null, txn: Transaction | undefined, insert: boolean): MustWait | DocRecord {
    if (doc) unwrapInt32s(doc);
    const record = collection.records.get(key);
    const blocked = this.check(collection, key, record, doc, txn, insert);
    if (blocked) return blocked;
    return this.apply(collection, key, record, doc, txn);
  }

  blockedBy(owner: LockOwner, txn: Transaction | undefined): MustWait {
    if (txn) throw writeConflict();
    return new MustWait(owner.finished);
  }

  private check(
    collection: Collection,
    key: string,
    record: DocRecord | undefined,
    doc: Doc | null,
    txn: Transaction | undefined,
    insert: boolean,
  ): MustWait | undefined {
    if (record?.lock && record.lock !== txn) return this.blockedBy(record.lock, txn);
    if (txn && record && record.latestTs() > txn.snapshot) throw writeConflict();
    if (insert && record && this.visible(record, txn)) {
      const idIndex = collection.indexes[0];
      const existing = this.visible(record, txn);
      throw idIndex.duplicateError(collection.ns, { key, value: { _id: existing?.doc._id } });
    }
    if (!doc) return undefined;
    const norm = normalizeDoc(doc);
    for (const index of collection.uniqueIndexes()) {
      for (const indexKey of index.keysOf(doc, norm)) {
        const owners = index.pending.get(indexKey.key);
        if (owners) {
          for (const [owner, holder] of owners) {
            if (holder === record) continue;
            if (owner === txn) throw index.duplicateError(collection.ns, indexKey);
            return this.blockedBy(owner, txn);
          }
        }
        const holder = index.committed.get(indexKey.key);
        if (!holder || holder === record) continue;
        if (holder.lock && holder.lock !== txn) return this.blockedBy(holder.lock, txn);
        if (txn) {
          // Rewritten by this transaction without the key: no longer a duplicate in its view.
          if (txn.writes.has(holder)) continue;
          if (holder.latestTs() > txn.snapshot) throw writeConflict();
        }
        throw index.duplicateError(collection.ns, indexKey);
      }
    }
    return undefined;
  }

  private apply(
    collection: Collection,
    key: string,
    existing: DocRecord | undefined,
    doc: Doc | null,
    txn: Transaction | undefined,
  ): DocRecord {
    let record = existing;
    if (!record) {
      record = new DocRecord(key);
      collection.records.set(key, record);
    }
    if (!txn) {
      this.commitWrites([{ collection, record, doc }]);
      return record;
    }
    const previous = txn.writes.get(record);
    if (previous) for (const [index, keys] of previous.keys) index.removePending(txn, keys);
    if (previous?.doc) track(collection, record, previous.doc, -1);
    if (doc) track(collection, record, doc, 1);
    const keys: Array<[Index, IndexKey[]]> = [];
    if (doc) {
      const norm = normalizeDoc(doc);
      for (const index of collection.uniqueIndexes()) {
        const indexKeys = index.keysOf(doc, norm);
        index.addPending(txn, record, indexKeys);
        keys.push([index, indexKeys]);
      }
    }
    record.lock = txn;
    txn.writes.set(record, { collection, doc, keys });
    return record;
  }

  /** Makes writes visible at one new logical time. */
  private commitWrites(writes: Array<{ collection: Collection; record: DocRecord; doc: Doc | null }>): void {
    this.clock += 1;
    const ts = this.clock;
    this.history.noteCommit(ts);
    for (const { collection, record } of writes) {
      const old = record.latest()?.doc;
      if (!old) continue;
      const norm = normalizeDoc(old);
      for (const index of collection.uniqueIndexes()) {
        for (const { key } of index.keysOf(old, norm)) {
          if (index.committed.get(key) === record) index.committed.delete(key);
        }
      }
    }
    for (const { collection, record, doc } of writes) {
      // A new record's array is made to size: most documents keep their one version for good.
      if (record.versions.length === 0) record.versions = [{ ts, doc }];
      else record.versions.push({ ts, doc });
      if (!doc) continue;
      track(collection, record, doc, 1);
      const norm = normalizeDoc(doc);
      for (const index of collection.uniqueIndexes()) {
        for (const { key } of index.keysOf(doc, norm)) index.committed.set(key, record);
      }
    }
    const oldest = this.oldestSnapshot();
    const live = this.liveSnapshot();
    for (const { collection, record } of writes) this.prune(collection, record, oldest, live);
  }

  private prune(collection: Collection, record: DocRecord, oldest: number, live: number): void {
    this.historyFloor = Math.max(this.historyFloor, oldest);
    const before = record.versions;
    const gone = record.prune(oldest);
    // Versions no reader can see any more leave the history (and the ordered indexes, if still there).
    for (let i = 0; i < before.length - record.versions.length; i++) {
      const version = before[i];
      if (version.doc && !version.unindexed) track(collection, record, version.doc, -1);
    }
    const { versions } = record;
    if (!gone && (versions.length > 1 || versions[0]?.doc === null)) this.versioned.set(record, collection);
    else this.versioned.delete(record);
    if (gone) {
      this.superseded.delete(record);
      if (collection.records.get(record.key) === record) collection.records.delete(record.key);
    } else if (this.unindexSuperseded(collection, record, live)) {
      this.superseded.set(record, collection);
    } else {
      this.superseded.delete(record);
    }
  }

  /**
   * Takes out of the ordered indexes the versions superseded at or before `live` (no open transaction
   * and no current reader sees them). True when some superseded version must stay for now.
   */
  private unindexSuperseded(collection: Collection, record: DocRecord, live: number): boolean {
    const { versions } = record;
    let waiting = false;
    for (let i = 0; i < versions.length - 1; i++) {
      const version = versions[i];
      if (version.unindexed) continue;
      const supersededAt = versions[i + 1].ts;
      if (supersededAt > live) {
        waiting = true;
        continue;
      }
      if (version.doc) track(collection, record, version.doc, -1);
      version.unindexed = true;
      this.indexedFrom = Math.max(this.indexedFrom, supersededAt);
    }
    return waiting;
  }

  /** After a transaction ends: the versions only it could still read leave the ordered indexes. */
  private unindexWaiting(): void {
    if (this.superseded.size === 0) return;
    const live = this.liveSnapshot();
    for (const [record, collection] of this.superseded) {
      if (!this.unindexSuperseded(collection, record, live)) this.superseded.delete(record);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Transactions

  begin(txn: Transaction): void {
    this.openTransactions.add(txn);
  }

  /** Commits all of a transaction's writes atomically. Throws (and aborts) if a unique key it adds
   *  is now held by another document, which the write-time checks should already prevent. */
  commit(txn: Transaction): void {
    const writes = [...txn.writes.entries()]
      .filter(([, write]) => !write.collection.dropped)
      .map(([record, write]) => ({ collection: write.collection, record, doc: write.doc }));
    const written = new Set(writes.map((w) => w.record));
    for (const { collection, record, doc } of writes) {
      if (!doc) continue;
      const norm = normalizeDoc(doc);
      for (const index of collection.uniqueIndexes()) {
        for (const indexKey of index.keysOf(doc, norm)) {
          const holder = index.committed.get(indexKey.key);
          if (holder && holder !== record && !written.has(holder)) {
            this.abort(txn);
            throw writeConflict();
          }
        }
      }
    }
    this.release(txn);
    for (const collection of txn.createdCollections) collection.owner = undefined;
    if (writes.length > 0) this.commitWrites(writes);
    txn.finish('committed');
    this.pruneAfter(txn);
  }

  abort(txn: Transaction): void {
    if (txn.state !== 'inProgress') return;
    this.release(txn);
    for (const collection of txn.createdCollections) this.catalog.discard(collection);
    txn.finish('aborted');
    this.pruneAfter(txn);
  }

  private release(txn: Transaction): void {
    this.openTransactions.delete(txn);
    for (const [record, write] of txn.writes) {
      for (const [index, keys] of write.keys) index.removePending(txn, keys);
      if (write.doc) track(write.collection, record, write.doc, -1);
      if (record.lock === txn) record.lock = null;
    }
  }

  private pruneAfter(txn: Transaction): void {
    const oldest = this.oldestSnapshot();
    const live = this.liveSnapshot();
    for (const [record, write] of txn.writes) this.prune(write.collection, record, oldest, live);
    this.unindexWaiting();
  }

  /** Builds a new index: its ordered keys (of every version readers may see) and, for a unique
   *  index, its committed keys; throws DuplicateKeyError if existing data violates it. */
  buildIndex(collection: Collection, index: Index): void {
    this.buildUniqueKeys(collection, index);
    for (const record of collection.records.values()) {
      for (const version of record.versions) if (version.doc && !version.unindexed) index.track(record, version.doc, 1);
    }
    for (const txn of this.openTransactions) {
      for (const [record, write] of txn.writes) if (write.collection === collection && write.doc) index.track(record, write.doc, 1);
    }
  }

  private buildUniqueKeys(collection: Collection, index: Index): void {
    if (!index.unique || index.isIdIndex) return;
    const seen = new Map<string, DocRecord>();
    for (const record of collection.records.values()) {
      const doc = record.latest()?.doc;
      if (!doc) continue;
      for (const indexKey of index.keysOf(doc)) {
        if (seen.has(indexKey.key) && seen.get(indexKey.key) !== record) {
          const error = index.duplicateError(collection.ns, indexKey);
          throw new DuplicateKeyError(
            error.message.replace('E11000 duplicate key error', 'Index build failed: E11000 duplicate key error'),
            error.extra.keyPattern as Doc,
            error.extra.keyValue as Doc,
          );
        }
        seen.set(indexKey.key, record);
      }
    }
    for (const [key, record] of seen) index.committed.set(key, record);
  }
}
