import { readFileSync } from 'node:fs';

/** The parts of V8's `.cpuprofile` format (written by `node --cpu-prof`) that are read here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
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

/** Each key's share of the samples; a sampled node counts once for every key `keysOf` gives it. */
function shares(profile: CpuProfile, keysOf: (node: CpuProfile['nodes'][number]) => Iterable<string>): SelfTime[] {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    if (count === 0) continue;
    total += count;
    for (const key of keysOf(node)) hits.set(key, (hits.get(key) ?? 0) + count);
  }
  return [...hits].map(([frame, count]) => ({ frame, share: count / Math.max(1, total) })).sort((a, b) => b.share - a.share);
}

function frameName({ callFrame: { functionName, url, lineNumber } }: CpuProfile['nodes'][number]): string {
  return url
    ? `${functionName || '(anonymous)'} ${url.replace(/^.*?\/(node_modules|common|auth|tickets|orders|testkit)\//, '$1/')}:${lineNumber + 1}`
    : functionName;
}

/** Self time per function (top `limit`), from a `.cpuprofile` file. */
export function topSelfTime(file: string, limit = 15): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return shares(profile, (node) => [frameName(node)]).slice(0, limit);
}

/**
 * Total time per function (itself and everything it called; top `limit`): the share of samples with the
 * function anywhere on the stack, each function counted once per sample. Shows which middleware or
 * route costs what, where self time spreads the cost over the library functions they call.
 */
export function topTotalTime(file: string, limit = 25): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const stackOf = (node: CpuProfile['nodes'][number]): Set<string> => {
    const names = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)!;
      if (frame.callFrame.url) names.add(frameName(frame));
    }
    return names;
  };
  return shares(profile, stackOf).slice(0, limit);
}

/** Self time per origin (a package, Node internals, the project's code, idle, GC). */
export function selfTimeByOrigin(file: string): SelfTime[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return shares(profile, ({ callFrame: { functionName, url } }) => [url ? frameOrigin(url) : functionName]);
}
