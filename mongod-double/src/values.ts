// BSON value helpers. Stored documents keep the exact BSON types they arrived with (Double, Long and
// Decimal128 wrappers, from `deserialize(..., { promoteValues: false })`), so a double 1.0 stays a
// double; an Int32 is stored as its plain number, which reads as an int32 again. Query evaluation
// works on a normalised view in which every number is a JS number, because mingo compares the
// wrappers as opaque objects.
import { Binary, BSONRegExp, BSONSymbol, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, serialize } from 'bson';

export type Doc = Record<string, unknown>;

export function isDoc(value: unknown): value is Doc {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------
// Numbers

export type NumberKind = 'int' | 'long' | 'double' | 'decimal';

export function numberKind(value: unknown): NumberKind | undefined {
  if (value instanceof Int32) return 'int';
  if (value instanceof Double) return 'double';
  if (value instanceof Timestamp) return undefined;
  if (value instanceof Long) return 'long';
  if (value instanceof Decimal128) return 'decimal';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? 'int' : 'double';
  if (typeof value === 'bigint') return 'long';
  return undefined;
}

export function isNumeric(value: unknown): boolean {
  return numberKind(value) !== undefined;
}

/** The value as a JS number (precision loss for longs beyond 2^53 and decimals is accepted). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

/** Reads an integer option of a command (they arrive as Int32/Long/Double wrappers). */
export function intOption(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = toNumber(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

const KIND_RANK: Record<NumberKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };

export function widerKind(a: NumberKind, b: NumberKind): NumberKind {
  return KIND_RANK[a] >= KIND_RANK[b] ? a : b;
}

export function makeNumber(kind: NumberKind, value: number): unknown {
  switch (kind) {
    case 'int':
      if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) return new Int32(value);
      return Number.isSafeInteger(value) ? Long.fromNumber(value) : new Double(value);
    case 'long':
      return Number.isSafeInteger(value) ? Long.fromNumber(value) : new Double(value);
    case 'double':
      return new Double(value);
    case 'decimal':
      return Decimal128.fromString(String(value));
  }
}

function asLong(value: unknown): Long {
  if (value instanceof Long) return value;
  return Long.fromNumber(toNumber(value));
}

export function addNumbers(a: unknown, b: unknown): unknown {
  const kind = widerKind(numberKind(a) ?? 'double', numberKind(b) ?? 'double');
  if (kind === 'long' || kind === 'int') {
    const sum = asLong(a).add(asLong(b));
    if (kind === 'int' && sum.greaterThanOrEqual(Long.fromInt(-0x80000000)) && sum.lessThanOrEqual(Long.fromInt(0x7fffffff))) {
      return new Int32(sum.toInt());
    }
    return sum;
  }
  return makeNumber(kind, toNumber(a) + toNumber(b));
}

export function multiplyNumbers(a: unknown, b: unknown): unknown {
  const kind = widerKind(numberKind(a) ?? 'double', numberKind(b) ?? 'double');
  if (kind === 'long' || kind === 'int') {
    const product = asLong(a).multiply(asLong(b));
    if (kind === 'int' && product.greaterThanOrEqual(Long.fromInt(-0x80000000)) && product.lessThanOrEqual(Long.fromInt(0x7fffffff))) {
      return new Int32(product.toInt());
    }
    return product;
  }
  return makeNumber(kind, toNumber(a) * toNumber(b));
}

/** A JS number for a reply or an internally built document: bson encodes it as int32 or double. */
export function bigIntOf(value: unknown): bigint {
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === 'bigint') return value;
  return BigInt(Math.trunc(toNumber(value)));
}

// ---------------------------------------------------------------------------------------------
// Normalised view for mingo

/** Maps normalised objects back to the stored objects they were made from, so untouched parts of an
 *  aggregation's output keep their original BSON types. */
export type OriginMap = WeakMap<object, object>;

function regExpOf(value: BSONRegExp): RegExp | BSONRegExp {
  const flags = value.options.replace(/[^imsu]/g, '');
  try {
    return new RegExp(value.pattern, flags);
  } catch {
    return value;
  }
}

export function normalize(value: unknown, origins?: OriginMap): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return value;
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (value instanceof Timestamp) return value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (value instanceof BSONRegExp) return regExpOf(value);
  if (value instanceof BSONSymbol) return value.valueOf();
  if (Array.isArray(value)) {
    const out = value.map((v) => normalize(v, origins));
    origins?.set(out, value);
    return out;
  }
  if (isDoc(value)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v, origins);
    origins?.set(out, value);
    return out;
  }
  return value;
}

/**
 * Replaces, in place, every Int32 wrapper in a document by its number: the same value to every reader
 * (numberKind calls an integral number in the int32 range an int, and bson writes it back as an int32),
 * with one object fewer per integer for the collector to trace, millions of times over. Doubles keep
 * their wrappers, so a stored 1.0 stays a double.
 */
export function unwrapInt32s(value: Doc | unknown[]): void {
  const entries: Iterable<[string | number, unknown]> = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, child] of entries) {
    if (child instanceof Int32) (value as Record<string | number, unknown>)[key] = child.value;
    else if (Array.isArray(child) || isDoc(child)) unwrapInt32s(child);
  }
}

export function normalizeDoc(doc: Doc, origins?: OriginMap): Doc {
  return normalize(doc, origins) as Doc;
}

/** Puts back the original objects for every part of a result that came unchanged from the input. */
export function restore(value: unknown, origins: OriginMap): unknown {
  if (value === null || typeof value !== 'object') return value;
  const origin = origins.get(value);
  if (origin) return origin;
  if (Array.isArray(value)) return value.map((v) => restore(v, origins));
  if (isDoc(value)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) out[k] = restore(v, origins);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// BSON comparison order (on normalised or stored values)

export function typeRank(value: unknown): number {
  if (value instanceof MinKey) return 1;
  if (value === null || value === undefined) return 2;
  if (typeof value === 'number' || typeof value === 'bigint' || isNumeric(value)) return 3;
  if (typeof value === 'string' || value instanceof BSONSymbol) return 4;
  if (Array.isArray(value)) return 6;
  if (value instanceof Binary || value instanceof Uint8Array) return 7;
  if (value instanceof ObjectId) return 8;
  if (typeof value === 'boolean') return 9;
  if (value instanceof Date) return 10;
  if (value instanceof Timestamp) return 11;
  if (value instanceof RegExp || value instanceof BSONRegExp) return 12;
  if (value instanceof MaxKey) return 14;
  return 5; // embedded document
}

function cmp<T extends number | string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bytesOf(value: Binary | Uint8Array): Uint8Array {
  return value instanceof Binary ? value.value() : value;
}

/** BSON order; `strings` compares strings under a collation (default: by code point). */
/** Byte by byte, as their hex strings would compare, without building the strings (hot in index lookups). */
function compareObjectIds(a: ObjectId, b: ObjectId): number {
  const x = a.id;
  const y = b.id;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

export function compareValues(a: unknown, b: unknown, strings?: (x: string, y: string) => number): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 3: {
      const x = toNumber(a);
      const y = toNumber(b);
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
      if (Number.isNaN(y)) return 1;
      return cmp(x, y);
    }
    case 4:
      return strings ? strings(String(a), String(b)) : cmp(String(a), String(b));
    case 5: {
      const ea = Object.entries(a as Doc);
      const eb = Object.entries(b as Doc);
      for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
        const byType = typeRank(ea[i][1]) - typeRank(eb[i][1]);
        if (byType !== 0) return byType;
        const byName = cmp(ea[i][0], eb[i][0]);
        if (byName !== 0) return byName;
        const byValue = compareValues(ea[i][1], eb[i][1], strings);
        if (byValue !== 0) return byValue;
      }
      return ea.length - eb.length;
    }
    case 6: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
        const c = compareValues(xa[i], xb[i], strings);
        if (c !== 0) return c;
      }
      return xa.length - xb.length;
    }
    case 7: {
      const ba = bytesOf(a as Binary);
      const bb = bytesOf(b as Binary);
      if (ba.length !== bb.length) return ba.length - bb.length;
      const sa = a instanceof Binary ? a.sub_type : 0;
      const sb = b instanceof Binary ? b.sub_type : 0;
      if (sa !== sb) return sa - sb;
      return Buffer.compare(Buffer.from(ba), Buffer.from(bb));
    }
    case 8:
      return compareObjectIds(a as ObjectId, b as ObjectId);
    case 9:
      return cmp(Number(a), Number(b));
    case 10:
      return cmp((a as Date).getTime(), (b as Date).getTime());
    case 11:
      return (a as Timestamp).compare(b as Timestamp);
    case 12: {
      const sa = a instanceof RegExp ? a.source : (a as BSONRegExp).pattern;
      const sb = b instanceof RegExp ? b.source : (b as BSONRegExp).pattern;
      return cmp(sa, sb);
    }
    default:
      return 0;
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** Exact equality of stored values including their BSON types (used to decide nModified). */
export function sameBson(a: Doc, b: Doc): boolean {
  return Buffer.from(serialize(a)).equals(serialize(b));
}

// ---------------------------------------------------------------------------------------------
// Canonical keys: equal (MongoDB-equal, so int 1 == double 1.0) values get equal strings.

function numberKey(value: unknown): string {
  if (value instanceof Long && !Number.isSafeInteger(value.toNumber())) return `n:${value.toString()}`;
  const n = toNumber(value);
  if (Object.is(n, -0)) return 'n:0';
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return `n:${BigInt(n).toString()}`;
  return `n:${n}`;
}

export function canonicalKey(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return `s:${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'b:1' : 'b:0';
    case 'number':
    case 'bigint':
      return numberKey(value);
    default:
      break;
  }
  if (isNumeric(value)) return numberKey(value);
  if (value instanceof ObjectId) return `o:${value.toHexString()}`;
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (value instanceof Binary) return `x:${value.sub_type}:${Buffer.from(value.value()).toString('base64')}`;
  if (value instanceof RegExp) return `r:${value.source}/${value.flags}`;
  if (value instanceof BSONRegExp) return `r:${value.pattern}/${value.options}`;
  if (value instanceof Timestamp) return `t:${value.toString()}`;
  if (value instanceof MinKey) return 'minkey';
  if (value instanceof MaxKey) return 'maxkey';
  if (value instanceof BSONSymbol) return `s:${JSON.stringify(value.valueOf())}`;
  if (Array.isArray(value)) return `a:[${value.map(canonicalKey).join(',')}]`;
  if (isDoc(value)) {
    return `O:{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`)
      .join(',')}}`;
  }
  return `u:${String(value)}`;
}

/** Renders a value the way mongod prints it in error messages (`dup key: { email: "a@b.c" }`). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (isNumeric(value)) {
    if (value instanceof Long) return value.toString();
    if (value instanceof Decimal128) return value.toString();
    return String(toNumber(value));
  }
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (isDoc(value)) return formatDoc(value);
  return String(value);
}

export function formatDoc(doc: Doc): string {
  const entries = Object.entries(doc);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')} }`;
}

// ---------------------------------------------------------------------------------------------
// Paths

/** The value at a dotted path without expanding arrays (array indexes in the path are honoured). */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      const index = Number(part);
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
    } else if (isDoc(current)) {
      current = current[part];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Every value a dotted path reaches, expanding arrays along the way (as index keys and sorts do).
 *  A missing path yields `[undefined]`; an array at the end of the path is returned whole, its
 *  elements are expanded by the caller where needed. */
export function getPathValues(doc: unknown, path: string): unknown[] {
  const parts = path.split('.');
  const out: unknown[] = [];
  const walk = (current: unknown, i: number): void => {
    if (i === parts.length) {
      out.push(current);
      return;
    }
    if (Array.isArray(current)) {
      const index = Number(parts[i]);
      if (Number.isInteger(index) && index >= 0 && String(index) === parts[i]) {
        walk(current[index], i + 1);
        return;
      }
      let any = false;
      for (const element of current) {
        if (isDoc(element) || Array.isArray(element)) {
          any = true;
          walk(element, i);
        }
      }
      if (!any) out.push(undefined);
      return;
    }
    if (isDoc(current)) {
      walk(current[parts[i]], i + 1);
      return;
    }
    out.push(undefined);
  };
  walk(doc, 0);
  return out;
}

export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => deepCopy(v)) as T;
  if (isDoc(value)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepCopy(v);
    return out as T;
  }
  return value;
}

/** After a pipeline update, numbers the pipeline left unchanged get their original BSON types back
 *  (mingo works on plain JS numbers). */
export function reconcileTypes(updated: unknown, original: unknown): unknown {
  if (typeof updated === 'number' && isNumeric(original) && toNumber(original) === updated) return original;
  if (isDoc(updated) && isDoc(original)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(updated)) out[k] = reconcileTypes(v, original[k]);
    return out;
  }
  if (Array.isArray(updated) && Array.isArray(original)) {
    return updated.map((v, i) => reconcileTypes(v, original[i]));
  }
  return updated;
}
