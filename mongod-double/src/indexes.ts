// Index definitions, unique-key bookkeeping and, in `ordered`, the sorted keys the query planner scans.
import { badValue, CommandError, DuplicateKeyError, ErrorCodes } from './errors';
import { foldStrings, parseCollation, type Collation } from './collation';
import { compileFilter, type Matcher } from './query';
import { OrderedIndex, orderedKeysOf, type OrderedKey } from './ordered-index';
import type { DocRecord, LockOwner } from './storage';
import { canonicalKey, formatDoc, getPathValues, isDoc, normalizeDoc, toNumber, type Doc } from './values';

export interface IndexKey {
  /** Canonical string of the key (equal keys in MongoDB's sense have equal strings). */
  key: string;
  /** Field name to value, for the duplicate-key error's `keyValue`. */
  value: Doc;
}

/** Options kept verbatim in the spec listIndexes returns (mongoose compares them in syncIndexes). */
const SPEC_OPTIONS = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'collation',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'background',
] as const;

export class Index {
  readonly name: string;
  readonly key: Doc;
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly expireAfterSeconds: number | undefined;
  readonly partialFilter: Matcher | undefined;
  /** Keys equal under the index's collation are the same key (a case-insensitive unique index). */
  readonly collation: Collation | undefined;
  readonly spec: Doc;
  /** Unique indexes: key -> the document holding it in the latest committed state. */
  readonly committed = new Map<string, DocRecord>();
  /** Unique indexes: key -> open transactions that have written a document with that key. */
  readonly pending = new Map<string, Map<LockOwner, DocRecord>>();
  /** The keys of every document version a reader may see, in index order. */
  readonly ordered: OrderedIndex;

  /** `orderCollation` orders the _id index by the collection's default collation. */
  constructor(spec: Doc, orderCollation?: Collation) {
    const key = spec.key;
    if (!isDoc(key) || Object.keys(key).length === 0) throw badValue('Index keys cannot be empty.');
    const name = typeof spec.name === 'string' ? spec.name : defaultIndexName(key);
    this.name = name;
    this.key = key;
    this.fields = Object.keys(key);
    this.unique = spec.unique === true || name === '_id_';
    this.sparse = spec.sparse === true;
    this.expireAfterSeconds = spec.expireAfterSeconds === undefined ? undefined : toNumber(spec.expireAfterSeconds);
    if (spec.partialFilterExpression !== undefined) {
      if (!isDoc(spec.partialFilterExpression)) {
        throw new CommandError(ErrorCodes.CannotCreateIndex, 'partialFilterExpression must be an object');
      }
      this.partialFilter = compileFilter(spec.partialFilterExpression);
    }
    this.collation = parseCollation(spec.collation);
    const stored: Doc = { v: 2, key, name };
    for (const option of SPEC_OPTIONS) {
      if (spec[option] !== undefined) stored[option] = spec[option];
    }
    this.spec = stored;
    const directions = this.fields.map((field) => (typeof key[field] !== 'string' && toNumber(key[field]) < 0 ? -1 : 1));
    this.ordered = new OrderedIndex(this.fields, directions, orderCollation ?? this.collation);
  }

  /** Text, 2dsphere, hashed and other special indexes are stored only: never scanned. */
  get scannable(): boolean {
    return Object.values(this.key).every((direction) => typeof direction !== 'string') && this.spec.hidden !== true;
  }

  /** The ordered keys of a stored document (none when sparse or partial rules leave it out). */
  orderedKeys(doc: Doc): { keys: OrderedKey[]; multikey: boolean } {
    // Computed each time (cheap): a cache per document would weigh on the garbage collector.
    const excluded =
      (this.partialFilter && !this.partialFilter.test(normalizeDoc(doc))) ||
      (this.sparse &&
        this.fields.every((field) => getPathValues(doc, field).every((v) => v === undefined || (Array.isArray(v) && v.length === 0))));
    return excluded ? { keys: [], multikey: false } : orderedKeysOf(this.fields, doc, this.ordered.collation);
  }

  /** Counts a document version in (1) or out (-1) of the ordered keys of `record`. */
  track(record: DocRecord, doc: Doc, delta: 1 | -1): void {
    const { keys, multikey } = this.orderedKeys(doc);
    this.ordered.track(record, keys, multikey, delta);
  }

  /** Whether this version of a document has the key (a scan may meet keys of other versions). */
  hasKey(doc: Doc, key: string): boolean {
    return this.orderedKeys(doc).keys.some((k) => k.key === key);
  }

  get isIdIndex(): boolean {
    return this.name === '_id_';
  }

  /** The keys `doc` contributes to this index (several for array values), none when sparse or
   *  partial rules leave it out. */
  keysOf(doc: Doc, norm?: Doc): IndexKey[] {
    if (this.partialFilter && !this.partialFilter.test(norm ?? normalizeDoc(doc))) return [];
    const perField = this.fields.map((field) => {
      const values: unknown[] = [];
      for (const value of getPathValues(doc, field)) {
        if (Array.isArray(value)) {
          if (value.length === 0) values.push(undefined);
          else values.push(...value);
        } else {
          values.push(value);
        }
      }
      return values;
    });
    if (this.sparse && perField.every((values) => values.every((v) => v === undefined))) return [];
    const out = new Map<string, IndexKey>();
    const combine = (i: number, parts: string[], value: Doc): void => {
      if (i === perField.length) {
        const key = parts.join('|');
        if (!out.has(key)) out.set(key, { key, value: { ...value } });
        return;
      }
      for (const v of perField[i]) {
        combine(i + 1, [...parts, canonicalKey(foldStrings(v, this.collation))], {
          ...value,
          [this.fields[i]]: v === undefined ? null : v,
        });
      }
    };
    combine(0, [], {});
    return [...out.values()];
  }

  duplicateError(ns: string, key: IndexKey): DuplicateKeyError {
    return new DuplicateKeyError(
      `E11000 duplicate key error collection: ${ns} index: ${this.name} dup key: ${formatDoc(key.value)}`,
      { ...this.key },
      key.value,
    );
  }

  addPending(owner: LockOwner, record: DocRecord, keys: IndexKey[]): void {
    for (const { key } of keys) {
      let owners = this.pending.get(key);
      if (!owners) {
        owners = new Map();
        this.pending.set(key, owners);
      }
      owners.set(owner, record);
    }
  }

  removePending(owner: LockOwner, keys: IndexKey[]): void {
    for (const { key } of keys) {
      const owners = this.pending.get(key);
      if (!owners) continue;
      owners.delete(owner);
      if (owners.size === 0) this.pending.delete(key);
    }
  }
}

export function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${typeof direction === 'string' ? direction : toNumber(direction)}`)
    .join('_');
}

export function idIndex(collation?: Collation): Index {
  return new Index({ key: { _id: 1 }, name: '_id_' }, collation);
}

/** Whether two specs describe the same index (same key pattern and constraint options). */
export function sameIndexOptions(a: Index, b: Index): boolean {
  return (
    a.unique === b.unique &&
    a.sparse === b.sparse &&
    a.expireAfterSeconds === b.expireAfterSeconds &&
    JSON.stringify(a.spec.partialFilterExpression ?? null) === JSON.stringify(b.spec.partialFilterExpression ?? null)
  );
}

export function sameKeyPattern(a: Doc, b: Doc): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([field, dir], i) => kb[i][0] === field && canonicalKey(dir) === canonicalKey(kb[i][1]));
}
