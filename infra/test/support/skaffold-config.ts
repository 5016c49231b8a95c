import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './kubernetes-objects';

export interface SyncRule {
  src: string;
  dest: string;
  strip?: string;
}

export interface SkaffoldArtifact {
  image: string;
  context: string;
  docker: { dockerfile: string; target?: string };
  sync?: { manual?: SyncRule[] };
}

export interface JsonPatch {
  op: string;
  path: string;
  value?: unknown;
}

export interface SkaffoldManifests {
  rawYaml?: string[];
  kustomize?: { paths: string[] };
}

export interface SkaffoldProfile {
  name: string;
  patches?: JsonPatch[];
  manifests?: SkaffoldManifests;
}

/** The part of skaffold.yaml the tests read. */
export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build: { local?: { push?: boolean; useBuildkit?: boolean }; artifacts: SkaffoldArtifact[] };
  manifests: SkaffoldManifests;
  deploy: { kubectl?: object };
  profiles?: SkaffoldProfile[];
}

export function loadSkaffoldConfig(): SkaffoldConfig {
  return parse(fs.readFileSync(path.join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as SkaffoldConfig;
}

/**
 * The config as skaffold runs it with these profiles active, in order: each profile's JSON patches (add,
 * replace, remove; paths of keys and array indexes, `-` to append) applied, and its `manifests` replacing
 * the config's. Anything else is rejected.
 */
export function withProfiles(config: SkaffoldConfig, names: readonly string[]): SkaffoldConfig {
  const result = structuredClone(config) as SkaffoldConfig & Record<string, unknown>;
  for (const name of names) {
    const profile = config.profiles?.find((candidate) => candidate.name === name);
    if (!profile) throw new Error(`no skaffold profile ${name}`);
    for (const patch of profile.patches ?? []) applyPatch(result, patch);
    if (profile.manifests) result.manifests = structuredClone(profile.manifests);
  }
  delete result.profiles;
  return result;
}

function applyPatch(target: object, patch: JsonPatch): void {
  const keys = patch.path.split('/').slice(1);
  const last = keys.pop();
  if (last === undefined) throw new Error(`bad patch path ${patch.path}`);
  let parent: unknown = target;
  for (const key of keys) {
    parent = (parent as Record<string, unknown>)[key];
    if (typeof parent !== 'object' || parent === null) throw new Error(`patch path ${patch.path} does not exist`);
  }
  const container = parent as Record<string, unknown> & unknown[];
  if (patch.op === 'remove') {
    if (!(last in container)) throw new Error(`nothing to remove at ${patch.path}`);
    if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  } else if (patch.op === 'add' || patch.op === 'replace') {
    if (patch.op === 'replace' && !(last in container)) throw new Error(`nothing to replace at ${patch.path}`);
    if (Array.isArray(container) && last === '-') container.push(patch.value);
    else if (Array.isArray(container) && patch.op === 'add') container.splice(Number(last), 0, patch.value);
    else container[last] = patch.value;
  } else {
    throw new Error(`unsupported patch op ${patch.op}`);
  }
}

/**
 * Expands skaffold rawYaml entries, relative to the repository root. Supports the two shapes the
 * config uses, `dir/*` and a plain file; anything else is rejected so a typo cannot match nothing.
 */
export function expandRawYaml(patterns: readonly string[]): string[] {
  return patterns.flatMap((pattern) => {
    if (pattern.endsWith('/*')) {
      const dir = pattern.slice(0, -2);
      return fs
        .readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => `${dir}/${entry.name}`)
        .sort();
    }
    if (/[*?[{]/.test(pattern)) throw new Error(`unsupported rawYaml pattern: ${pattern}`);
    if (!fs.existsSync(path.join(REPO_ROOT, pattern))) throw new Error(`rawYaml file not found: ${pattern}`);
    return [pattern];
  });
}

/** The literal directory a glob such as `auth/src/**\/*.ts` starts from (`auth/src`). */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const firstMagic = parts.findIndex((part) => /[*?[{]/.test(part));
  return (firstMagic === -1 ? parts.slice(0, -1) : parts.slice(0, firstMagic)).join('/');
}
