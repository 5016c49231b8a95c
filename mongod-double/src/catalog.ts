// Databases, collections and their indexes. A collection created inside a transaction (by create,
// createIndexes or an insert) belongs to it until it commits: others do not see it, and an abort
// removes it. Other catalogue changes (drop, index builds) take effect at once.
import { UUID } from 'bson';
import { parseCollation } from './collation';
import { CommandError, ErrorCodes } from './errors';
import { Index, idIndex } from './indexes';
import type { DocRecord, LockOwner } from './storage';
import type { Doc } from './values';

export class Collection {
  /** Documents by canonical _id, in insertion order (the natural order of a scan). */
  readonly records = new Map<string, DocRecord>();
  readonly indexes: Index[];
  readonly uuid = new UUID();
  dropped = false;
  /** The open transaction that created it: visible to that transaction only, until it commits. */
  owner: LockOwner | undefined;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc,
  ) {
    this.indexes = [idIndex(parseCollation(options.collation))];
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Unique secondary indexes: the ones whose keys are tracked (the _id index is the records map). */
  uniqueIndexes(): Index[] {
    return this.indexes.filter((index) => index.unique && !index.isIdIndex);
  }

  findIndex(name: string): Index | undefined {
    return this.indexes.find((index) => index.name === name);
  }
}

/** A view: read-only, computed on demand by running `pipeline` over `viewOn` (a collection or view). */
export interface ViewDefinition {
  readonly name: string;
  viewOn: string;
  pipeline: Doc[];
  /** The view's default collation (a view does not inherit its source's). */
  readonly collation: Doc | undefined;
}

export class Database {
  readonly collections = new Map<string, Collection>();
  readonly views = new Map<string, ViewDefinition>();

  get empty(): boolean {
    return this.collections.size === 0 && this.views.size === 0;
  }

  constructor(readonly name: string) {}
}

const INVALID_DB_CHARS = /[/\\. "$\0]/;

export function validateDbName(name: string): void {
  if (name.length === 0 || INVALID_DB_CHARS.test(name) || name.length > 63) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid database name: '${name}'`);
  }
}

export function validateCollectionName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('$') || name.includes('\0')) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid collection name: ${String(name)}`);
  }
  return name;
}

export class Catalog {
  readonly databases = new Map<string, Database>();

  database(name: string): Database | undefined {
    return this.databases.get(name);
  }

  /** The collection as `reader` sees it (an open transaction, or undefined for committed state). */
  collection(db: string, name: string, reader?: LockOwner): Collection | undefined {
    const collection = this.databases.get(db)?.collections.get(name);
    return collection && (!collection.owner || collection.owner === reader) ? collection : undefined;
  }

  /** The other open transaction whose uncommitted collection holds this name, if any. */
  pendingOwner(db: string, name: string, reader?: LockOwner): LockOwner | undefined {
    const owner = this.databases.get(db)?.collections.get(name)?.owner;
    return owner && owner !== reader ? owner : undefined;
  }

  view(db: string, name: string): ViewDefinition | undefined {
    return this.databases.get(db)?.views.get(name);
  }

  /** Refuses a write (or an index operation) addressed to a view, as mongod does. */
  refuseView(db: string, name: string): void {
    if (this.view(db, name))
      throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${db}.${name} is a view, not a collection`);
  }

  createView(db: string, view: ViewDefinition): void {
    validateDbName(db);
    validateCollectionName(view.name);
    const database = this.databases.get(db) ?? new Database(db);
    this.databases.set(db, database);
    if (database.collections.has(view.name) || database.views.has(view.name)) {
      throw new CommandError(ErrorCodes.NamespaceExists, `Namespace already exists: ${db}.${view.name}`);
    }
    database.views.set(view.name, view);
  }

  dropView(db: string, name: string): boolean {
    const database = this.databases.get(db);
    if (!database?.views.delete(name)) return false;
    if (database.empty) this.databases.delete(db);
    return true;
  }

  /** Creates the collection if needed (implicit creation by a write or an index build). */
  ensureCollection(db: string, name: string, owner?: LockOwner): { collection: Collection; created: boolean } {
    this.refuseView(db, name);
    const existing = this.collection(db, name, owner);
    if (existing) return { collection: existing, created: false };
    return { collection: this.createCollection(db, name, {}, owner), created: true };
  }

  createCollection(db: string, name: string, options: Doc, owner?: LockOwner): Collection {
    validateDbName(db);
    validateCollectionName(name);
    let database = this.databases.get(db);
    if (!database) {
      database = new Database(db);
      this.databases.set(db, database);
    }
    if (database.collections.has(name) || database.views.has(name)) {
      throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${db}.${name} already exists.`);
    }
    const collection = new Collection(db, name, options);
    collection.owner = owner;
    database.collections.set(name, collection);
    return collection;
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const database = this.databases.get(db);
    const collection = database?.collections.get(name);
    if (!database || !collection || collection.owner) return undefined;
    database.collections.delete(name);
    collection.dropped = true;
    if (database.empty) this.databases.delete(db);
    return collection;
  }

  dropDatabase(db: string): boolean {
    const database = this.databases.get(db);
    if (!database) return false;
    for (const collection of database.collections.values()) collection.dropped = true;
    this.databases.delete(db);
    return true;
  }

  /** Puts `fresh` in place of the collection of its name ($out), creating the database if needed. */
  replaceCollection(fresh: Collection): void {
    validateDbName(fresh.db);
    validateCollectionName(fresh.name);
    let database = this.databases.get(fresh.db);
    if (!database) {
      database = new Database(fresh.db);
      this.databases.set(fresh.db, database);
    }
    const old = database.collections.get(fresh.name);
    if (old) old.dropped = true;
    database.collections.set(fresh.name, fresh);
  }

  /** Removes an aborted transaction's collection (unless something replaced it). */
  discard(collection: Collection): void {
    const database = this.databases.get(collection.db);
    if (database?.collections.get(collection.name) !== collection) return;
    database.collections.delete(collection.name);
    collection.dropped = true;
    if (database.empty) this.databases.delete(collection.db);
  }

  *allCollections(): Iterable<Collection> {
    for (const database of this.databases.values()) yield* database.collections.values();
  }
}
