import { readFileSync } from 'node:fs';

/** The parts of V8's `.cpuprofile` format (written by `node --cpu-prof`) that are read here. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface SelfTime {
  /** Function name and location, or a bucket such as `(idle)`, `(garbage collector)`. */
  frame: string;
  /** Share of all samples in which this frame was on top of the stack. */
  share: number;
}

/** Where a script comes from: a package in node_modules, Node's internals, or the project's own code. */
function frameOrigin(url: string): string {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(common|auth|tickets|orders|payments|testkit|mongod-double|local-stack)\/(?:dist|src)\//.exec(url);
  if (own) return `project: ${own[1]}`;
  return url;
}

function shares(profile: CpuProfile, keyOf: (node: CpuProfile['nodes'][number]) => string): SelfTime[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    if (count === 0) continue;
    total += count;
    const key = keyOf(node);
    hits.set(key, (hits.get(key) ?? 0) + count);
  }
  return [...hits].map(([frame, count]) => ({ frame, share: count / Math.max(1, total) })).sort((a, b) => b.share - a.share);
}

/** Self time per function (top `limit`), from a `.cpuprofile` file. */
export function topSelfTime(file: string, limit = 15): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return shares(profile, ({ callFrame: { functionName, url, lineNumber } }) =>
    url
      ? `${functionName || '(anonymous)'} ${url.replace(/^.*?\/(node_modules|common|auth|tickets|orders|testkit)\//, '$1/')}:${lineNumber + 1}`
      : functionName,
  ).slice(0, limit);
}

/** Self time per origin (a package, Node internals, the project's code, idle, GC). */
export function selfTimeByOrigin(file: string): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return shares(profile, ({ callFrame: { functionName, url } }) => (url ? frameOrigin(url) : functionName));
}
