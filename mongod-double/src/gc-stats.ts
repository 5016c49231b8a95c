// The garbage collector's pauses in this process, by kind, for serverStatus's `testDouble.gc`. The
// double keeps every document as JavaScript objects, so with millions of them each collection, even a
// scavenge of the young generation, pauses every command for longer: this is where a slowdown with
// data shows up.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakCallbacks',
} as const;

type Kind = (typeof KINDS)[keyof typeof KINDS];

const pauses: Record<Kind, GcPauses> = {
  minor: { count: 0, totalMs: 0, maxMs: 0 },
  major: { count: 0, totalMs: 0, maxMs: 0 },
  incremental: { count: 0, totalMs: 0, maxMs: 0 },
  weakCallbacks: { count: 0, totalMs: 0, maxMs: 0 },
};

let observer: PerformanceObserver | undefined;

function kindOf(entry: PerformanceEntry): Kind | undefined {
  // Node puts the kind in `detail` (the typings of this version do not declare it).
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  return kind === undefined ? undefined : (KINDS as Record<number, Kind | undefined>)[kind];
}

/** Starts counting (once per process; later calls do nothing). */
export function observeGc(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kindOf(entry);
      if (!kind) continue;
      const counted = pauses[kind];
      counted.count += 1;
      counted.totalMs += entry.duration;
      counted.maxMs = Math.max(counted.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** The pauses counted so far, by kind, with times rounded to 0.01 ms. */
export function gcPauses(): Record<Kind, GcPauses> {
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  return Object.fromEntries(
    Object.entries(pauses).map(([kind, p]) => [kind, { count: p.count, totalMs: round(p.totalMs), maxMs: round(p.maxMs) }]),
  ) as Record<Kind, GcPauses>;
}
