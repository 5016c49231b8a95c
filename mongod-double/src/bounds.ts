// Index bounds: intervals of values in BSON comparison order, as the planner derives them from a
// filter's equality, $in and range predicates. Ranges are type-bracketed as in MongoDB ({ $gt: 5 }
// covers the numbers above 5 only), so a bound is a value or the edge of a type's span.
import { BSONRegExp, ObjectId } from 'bson';
import { compareValues, formatValue, isDoc, typeRank } from './values';

export type Bound = { readonly value: unknown; readonly inclusive: boolean } | { readonly edge: 'min' | 'max'; readonly rank: number };
export interface Interval {
  readonly low: Bound;
  readonly high: Bound;
}
export type Strings = ((a: string, b: string) => number) | undefined;

export const MIN_BOUND: Bound = { edge: 'min', rank: 0 };
export const MAX_BOUND: Bound = { edge: 'max', rank: 100 };
export const FULL_RANGE: Interval[] = [{ low: MIN_BOUND, high: MAX_BOUND }];

/** Where `v` lies relative to a bound: < 0 before, 0 on it (a value bound only), > 0 after. */
export function valueVsBound(v: unknown, bound: Bound, strings: Strings): number {
  if ('edge' in bound) {
    const rank = typeRank(v);
    if (bound.edge === 'min') return rank < bound.rank ? -1 : 1;
    return rank <= bound.rank ? -1 : 1;
  }
  return compareValues(v, bound.value, strings);
}

export function inInterval(v: unknown, interval: Interval, strings: Strings): boolean {
  const low = valueVsBound(v, interval.low, strings);
  if (low < 0 || (low === 0 && !('edge' in interval.low) && !interval.low.inclusive)) return false;
  const high = valueVsBound(v, interval.high, strings);
  return high < 0 || (high === 0 && 'value' in interval.high && interval.high.inclusive);
}

export function inIntervals(v: unknown, intervals: Interval[], strings: Strings): boolean {
  return intervals.some((interval) => inInterval(v, interval, strings));
}

export function isFullRange(intervals: Interval[]): boolean {
  return intervals.length === 1 && intervals[0].low === MIN_BOUND && intervals[0].high === MAX_BOUND;
}

export function isPoint(interval: Interval, strings: Strings): boolean {
  const { low, high } = interval;
  return 'value' in low && 'value' in high && low.inclusive && high.inclusive && compareValues(low.value, high.value, strings) === 0;
}

/** Values an equality or $in may bound an index scan with: scalars whose index keys equal them
 *  exactly (documents, arrays and regular expressions match by other rules). */
export function isPointValue(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v === 'number') return !Number.isNaN(v);
  return typeof v === 'string' || typeof v === 'boolean' || v instanceof Date || v instanceof ObjectId;
}

function isRangeValue(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isNaN(v);
  return typeof v === 'string' || v instanceof Date || v instanceof ObjectId;
}

export function pointIntervals(values: unknown[], strings: Strings): Interval[] {
  const sorted = [...values].sort((a, b) => compareValues(a, b, strings));
  const out: Interval[] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && 'value' in last.low && compareValues(last.low.value, v, strings) === 0) continue;
    out.push({ low: { value: v, inclusive: true }, high: { value: v, inclusive: true } });
  }
  return out;
}

/** The interval of one range operator, or undefined when its operand cannot bound a scan. */
export function rangeInterval(op: string, v: unknown): Interval | undefined {
  if (!isRangeValue(v)) return undefined;
  const rank = typeRank(v);
  switch (op) {
    case '$gt':
    case '$gte':
      return { low: { value: v, inclusive: op === '$gte' }, high: { edge: 'max', rank } };
    case '$lt':
    case '$lte':
      return { low: { edge: 'min', rank }, high: { value: v, inclusive: op === '$lte' } };
    default:
      return undefined;
  }
}

/** Orders bounds by position; at the same value an inclusive low starts first and an inclusive high ends last. */
function compareBounds(a: Bound, b: Bound, side: 'low' | 'high', strings: Strings): number {
  if ('value' in a && 'value' in b) {
    const c = compareValues(a.value, b.value, strings);
    if (c !== 0 || a.inclusive === b.inclusive) return c;
    return (a.inclusive ? -1 : 1) * (side === 'low' ? 1 : -1);
  }
  if ('value' in a) return valueVsBound(a.value, b, strings);
  if ('value' in b) return -valueVsBound(b.value, a, strings);
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.edge === b.edge ? 0 : a.edge === 'min' ? -1 : 1;
}

function nonEmpty(interval: Interval, strings: Strings): boolean {
  const { low, high } = interval;
  if ('value' in low && 'value' in high) {
    const c = compareValues(low.value, high.value, strings);
    return c < 0 || (c === 0 && low.inclusive && high.inclusive);
  }
  if ('value' in low) return valueVsBound(low.value, high, strings) < 0;
  if ('value' in high) return valueVsBound(high.value, low, strings) > 0;
  return compareBounds(low, high, 'low', strings) < 0;
}

export function intersectIntervals(a: Interval[], b: Interval[], strings: Strings): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const low = compareBounds(x.low, y.low, 'low', strings) >= 0 ? x.low : y.low;
      const high = compareBounds(x.high, y.high, 'high', strings) <= 0 ? x.high : y.high;
      const interval = { low, high };
      if (nonEmpty(interval, strings)) out.push(interval);
    }
  }
  return out;
}

const EDGE_TEXT: Record<number, [string, string]> = {
  3: ['-inf.0', 'inf.0'],
  4: ['""', '{}'],
  8: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  10: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'],
};

function boundText(bound: Bound): string {
  if ('value' in bound) return formatValue(bound.value);
  if (bound === MIN_BOUND) return 'MinKey';
  if (bound === MAX_BOUND) return 'MaxKey';
  const texts = EDGE_TEXT[bound.rank];
  return texts ? texts[bound.edge === 'min' ? 0 : 1] : bound.edge === 'min' ? 'MinKey' : 'MaxKey';
}

/** mongod's notation for an interval ('[1, 1]', '(5, inf.0]'), in the index field's direction. */
export function intervalText(interval: Interval, direction: 1 | -1): string {
  const [first, second] = direction === 1 ? [interval.low, interval.high] : [interval.high, interval.low];
  const open = 'value' in first && !first.inclusive ? '(' : '[';
  const close = 'value' in second && !second.inclusive ? ')' : ']';
  return `${open}${boundText(first)}, ${boundText(second)}${close}`;
}

/** A filter value that is an operator document ({ $gt: 1 }), as opposed to a literal to match. */
export function isOperatorDoc(value: unknown): value is Record<string, unknown> {
  return isDoc(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
}

export function isRegex(value: unknown): boolean {
  return value instanceof RegExp || value instanceof BSONRegExp;
}
