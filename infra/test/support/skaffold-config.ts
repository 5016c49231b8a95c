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
}

export interface SkaffoldProfile {
  name: string;
  patches?: JsonPatch[];
  manifests?: { rawYaml?: string[] };
}

/** The part of skaffold.yaml the tests read. */
export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build: { local?: { push?: boolean; useBuildkit?: boolean }; artifacts: SkaffoldArtifact[] };
  manifests: { rawYaml: string[] };
  deploy: { kubectl?: object };
  profiles?: SkaffoldProfile[];
}

export function loadSkaffoldConfig(): SkaffoldConfig {
  return parse(fs.readFileSync(path.join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as SkaffoldConfig;
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
