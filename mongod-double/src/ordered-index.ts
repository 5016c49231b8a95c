// The ordered part of an index: its keys in a sorted sequence (binary search, BSON comparison order,
// each field in its direction), so an equality or a range costs O(log n + k). The sequence is chunked
// (ChunkedArray), so a write costs the same at a million keys as at a thousand.
//
// Snapshot isolation: the array holds the keys of every version any reader may still see (each
// retained committed version and each open transaction's pending write), counted per document.
// A scan therefore finds a superset of what any snapshot matches; the executor reads each document
// as its reader sees it and keeps it only when that version has the key and matches the filter.
import { foldStrings, type Collation } from './collation';
import { inIntervals, isFullRange, isPoint, valueVsBound, type Bound, type Interval, type Strings } from './bounds';
import type { DocRecord } from './storage';
import { ChunkedArray } from './chunked-array';
import { canonicalKey, compareValues, getPathValues, type Doc } from './values';

export interface OrderedKey {
  /** Canonical string of the key (equal keys in MongoDB's sense have equal strings). */
  readonly key: string;
  /** One value per index field (missing is null). */
  readonly values: unknown[];
}

export interface IndexEntry extends OrderedKey {
  readonly record: DocRecord;
  /** How many of the record's versions (committed or pending) have this key. */
  count: number;
}

/** A contiguous run of the array: entries between a range's start and end, in index order. */
interface Span {
  start: number;
  end: number;
}

/** Products of $in lists larger than this are not expanded into ranges; the rest is checked per key. */
const MAX_RANGES = 5000;

function flattenDeep(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const element of value) flattenDeep(element, out);
  else out.push(value);
}

/** The keys a document gives an index with these fields: one per combination of array elements
 *  (nested arrays flattened, so the keys cover every value a filter can match). */
export function orderedKeysOf(fields: string[], doc: Doc, collation: Collation | undefined): { keys: OrderedKey[]; multikey: boolean } {
  const single = singleKeyOf(fields, doc, collation);
  if (single) return { keys: [single], multikey: false };
  let multikey = false;
  const perField = fields.map((field) => {
    const values: unknown[] = [];
    for (const value of getPathValues(doc, field)) {
      if (Array.isArray(value)) {
        multikey = true;
        const flat: unknown[] = [];
        flattenDeep(value, flat);
        values.push(...(flat.length === 0 ? [null] : flat));
      } else {
        values.push(value === undefined ? null : value);
      }
    }
    if (values.length > 1) multikey = true;
    return values;
  });
  const out = new Map<string, OrderedKey>();
  const combine = (i: number, parts: string[], values: unknown[]): void => {
    if (i === perField.length) {
      const key = parts.join('|');
      if (!out.has(key)) out.set(key, { key, values });
      return;
    }
    for (const v of perField[i]) combine(i + 1, [...parts, canonicalKey(foldStrings(v, collation))], [...values, v]);
  };
  combine(0, [], []);
  return { keys: [...out.values()], multikey };
}

/** The one key of a document whose every index field holds one value that is not an array (the
 *  common case, without the combinations below); undefined otherwise. */
function singleKeyOf(fields: string[], doc: Doc, collation: Collation | undefined): OrderedKey | undefined {
  // Sized up front: an index entry lives as long as its document, and an array grown by push keeps
  // room for 17 elements (152 bytes instead of 24 for one field), millions of times over.
  const values = new Array<unknown>(fields.length);
  const parts = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i += 1) {
    const found = getPathValues(doc, fields[i]);
    if (found.length !== 1 || Array.isArray(found[0])) return undefined;
    const value = found[0] === undefined ? null : found[0];
    values[i] = value;
    parts[i] = canonicalKey(foldStrings(value, collation));
  }
  return { key: parts.join('|'), values };
}

export class OrderedIndex {
  private readonly entries = new ChunkedArray<IndexEntry>();
  /** The record's entries (one, or several for multikey documents and changed keys). */
  private readonly held = new Map<DocRecord, IndexEntry | IndexEntry[]>();
  /** Some document had an array (or several values) for a field: bounds on one field are not
   *  intersected and the index gives no sort order. */
  multikey = false;
  readonly strings: Strings;

  constructor(
    readonly fields: string[],
    readonly directions: Array<1 | -1>,
    readonly collation: Collation | undefined,
  ) {
    this.strings = collation?.compare;
  }

  get size(): number {
    return this.entries.length;
  }

  private compare(a: IndexEntry, b: IndexEntry): number {
    for (let i = 0; i < this.fields.length; i++) {
      const c = compareValues(a.values[i], b.values[i], this.strings);
      if (c !== 0) return c * this.directions[i];
    }
    if (a.record.seq !== b.record.seq) return a.record.seq - b.record.seq;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  }

  private position(entry: IndexEntry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.entries.at(mid), entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Counts a document version's keys in (delta 1) or out (delta -1) for this record. */
  track(record: DocRecord, keys: OrderedKey[], multikey: boolean, delta: 1 | -1): void {
    if (multikey && delta > 0) this.multikey = true;
    for (const key of keys) {
      const held = this.held.get(record);
      const list = held === undefined ? [] : Array.isArray(held) ? held : [held];
      const found = list.find((entry) => entry.key === key.key);
      if (found) {
        found.count += delta;
        if (found.count > 0) continue;
        const at = this.position(found);
        if (at < this.entries.length && this.entries.at(at) === found) this.entries.removeAt(at);
        const rest = list.filter((entry) => entry !== found);
        if (rest.length === 0) this.held.delete(record);
        else this.held.set(record, rest.length === 1 ? rest[0] : rest);
      } else if (delta > 0) {
        const entry: IndexEntry = { key: key.key, values: key.values, record, count: 1 };
        this.entries.insert(this.position(entry), entry);
        this.held.set(record, list.length === 0 ? entry : [...list, entry]);
      }
    }
  }

  private firstWhere(from: number, test: (entry: IndexEntry) => boolean): number {
    let lo = from;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (test(this.entries.at(mid))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The array run of one combination of intervals over the first fields. */
  private span(intervals: Interval[]): Span {
    const { directions, strings } = this;
    const starts: Bound[] = intervals.map((iv, i) => (directions[i] === 1 ? iv.low : iv.high));
    const ends: Bound[] = intervals.map((iv, i) => (directions[i] === 1 ? iv.high : iv.low));
    const reached = (entry: IndexEntry): boolean => {
      for (let i = 0; i < starts.length; i++) {
        const c = directions[i] * valueVsBound(entry.values[i], starts[i], strings);
        if (c !== 0) return c > 0;
        if (!(starts[i] as { inclusive: boolean }).inclusive) return false;
      }
      return true;
    };
    const passed = (entry: IndexEntry): boolean => {
      for (let i = 0; i < ends.length; i++) {
        const c = directions[i] * valueVsBound(entry.values[i], ends[i], strings);
        if (c !== 0) return c > 0;
        if (!(ends[i] as { inclusive: boolean }).inclusive) return true;
      }
      return false;
    };
    const start = this.firstWhere(0, reached);
    return { start, end: this.firstWhere(start, passed) };
  }

  /** How many leading fields are expanded into ranges (points, then one more field). */
  private rangeFields(bounds: Interval[][]): number {
    let fields = 0;
    let product = 1;
    for (let i = 0; i < bounds.length; i++) {
      product *= bounds[i].length;
      if (product > MAX_RANGES) break;
      fields = i + 1;
      if (!bounds[i].every((iv) => isPoint(iv, this.strings))) break;
    }
    return Math.max(1, fields);
  }

  private spans(bounds: Interval[][]): { spans: Span[]; checked: number } {
    const fields = this.rangeFields(bounds);
    const ordered = bounds.slice(0, fields).map((intervals, i) => (this.directions[i] === 1 ? intervals : [...intervals].reverse()));
    const spans: Span[] = [];
    const walk = (i: number, chosen: Interval[]): void => {
      if (i === fields) {
        const span = this.span(chosen);
        if (span.end > span.start) spans.push(span);
        return;
      }
      for (const interval of ordered[i]) walk(i + 1, [...chosen, interval]);
    };
    walk(0, []);
    return { spans, checked: fields };
  }

  /** Keys in the bounds (value-order intervals per field), in index order or its reverse. */
  *scan(bounds: Interval[][], direction: 1 | -1, stats: { keysExamined: number }): Iterable<IndexEntry> {
    const { spans, checked } = this.spans(bounds);
    const rest = bounds.map((intervals, i) => (i < checked || isFullRange(intervals) ? undefined : intervals));
    const inBounds = (entry: IndexEntry): boolean =>
      rest.every((intervals, i) => !intervals || inIntervals(entry.values[i], intervals, this.strings));
    const ordered = direction === 1 ? spans : [...spans].reverse();
    for (const { start, end } of ordered) {
      for (const entry of this.entries.range(start, end, direction)) {
        stats.keysExamined += 1;
        if (inBounds(entry)) yield entry;
      }
    }
  }

  /** Keys in the ranges of the leading fields: the planner's cost estimate. */
  estimate(bounds: Interval[][]): number {
    return this.spans(bounds).spans.reduce((sum, span) => sum + span.end - span.start, 0);
  }
}
