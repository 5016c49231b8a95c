import fs from 'node:fs';
import path from 'node:path';

interface LockPackage {
  link?: boolean;
  /** Needed only by development dependencies: `npm ci --omit=dev` leaves it out. */
  dev?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  packages: Record<string, LockPackage>;
}

export function readLockfile(file: string): Lockfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Lockfile;
}

/** The folder Node would search next for a package: `a/node_modules/b` -> `a`, `node_modules/b` -> ``. */
function parentLocation(location: string): string | undefined {
  if (location === '') return undefined;
  const nested = /^(.*)\/node_modules\/(@[^/]+\/)?[^/]+$/.exec(location);
  return nested ? nested[1] : '';
}

/** The lockfile location Node's resolution would load `name` from, starting at `from`. */
function resolveLocation(lock: Lockfile, name: string, from: string): string | undefined {
  for (let dir: string | undefined = from; dir !== undefined; dir = parentLocation(dir)) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
  }
  return undefined;
}

/**
 * Every lockfile location (`node_modules/x`, `node_modules/a/node_modules/b`, workspace links) that
 * `npm ci --omit=dev -w <workspace>` installs for the given workspaces: dependencies, optional ones and
 * required peers, transitively; and optional peers too when the lockfile holds them as something
 * another workspace needs at run time (not `dev`), because npm's workspace filter follows those edges
 * (e.g. stripe's optional peer `@types/node`, which local-stack's http-proxy-middleware needs).
 */
export function productionClosure(lock: Lockfile, workspaces: readonly string[]): Set<string> {
  const needed = new Set<string>();
  const visit = (location: string): void => {
    if (needed.has(location)) return;
    needed.add(location);
    const entry = lock.packages[location];
    if (entry?.link && entry.resolved !== undefined) return visit(entry.resolved);
    const optionalPeers = Object.entries(entry?.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name);
    const names = [
      ...Object.keys(entry?.dependencies ?? {}),
      ...Object.keys(entry?.optionalDependencies ?? {}),
      ...Object.keys(entry?.peerDependencies ?? {}).filter((name) => !optionalPeers.includes(name)),
    ];
    for (const name of names) {
      const resolved = resolveLocation(lock, name, location);
      if (resolved) visit(resolved);
      else if (!(name in (entry?.optionalDependencies ?? {}))) throw new Error(`${location}: ${name} is not in the lockfile`);
    }
    for (const name of optionalPeers) {
      const resolved = resolveLocation(lock, name, location);
      if (resolved && !lock.packages[resolved]?.dev) visit(resolved);
    }
  };
  for (const workspace of workspaces) {
    visit(workspace);
    // The workspace's own link (node_modules/@scope/name -> workspace) is installed too.
    for (const [location, entry] of Object.entries(lock.packages)) if (entry.link && entry.resolved === workspace) needed.add(location);
  }
  return needed;
}

/** The installed packages under `root` as lockfile locations (workspace links are not descended). */
export function installedPackages(root: string, folders: readonly string[] = ['']): string[] {
  const found: string[] = [];
  const walkNodeModules = (location: string): void => {
    const dir = path.join(root, location, 'node_modules');
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const names = entry.name.startsWith('@')
        ? fs.readdirSync(path.join(dir, entry.name)).map((scoped) => `${entry.name}/${scoped}`)
        : [entry.name];
      for (const name of names) {
        const packageLocation = `${location ? `${location}/` : ''}node_modules/${name}`;
        found.push(packageLocation);
        if (!fs.lstatSync(path.join(root, packageLocation)).isSymbolicLink()) walkNodeModules(packageLocation);
      }
    }
  };
  for (const folder of folders) walkNodeModules(folder);
  return found.sort();
}
