import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** The kinds the manifests may use; anything else is rejected rather than passed unchecked. */
export type KubernetesObject =
  Deployment | StatefulSet | Job | ConfigMap | Secret | Service | Ingress | NetworkPolicy | HorizontalPodAutoscaler | PodDisruptionBudget;
export type Workload = Deployment | StatefulSet;

export interface ManifestDocument {
  /** Path relative to the repository root. */
  file: string;
  /** Position of the document in its file, from 0. */
  index: number;
  object: KubernetesObject;
}

function construct<T extends { validate(): void }>(Model: new (data: never) => T, data: unknown): T {
  const model = new Model(data as never);
  model.validate();
  return model;
}

/**
 * Builds the kubernetes-models class for the document's apiVersion and kind and validates it against
 * the Kubernetes OpenAPI schema (types, formats such as quantities, required fields, enums). Throws on
 * an unknown apiVersion/kind or an invalid object. The schemas do not reject unknown fields.
 */
export function toKubernetesObject(data: unknown): KubernetesObject {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a Kubernetes object');
  const { apiVersion, kind } = data as { apiVersion?: unknown; kind?: unknown };
  switch (`${String(apiVersion)} ${String(kind)}`) {
    case 'apps/v1 Deployment':
      return construct(Deployment, data);
    case 'apps/v1 StatefulSet':
      return construct(StatefulSet, data);
    case 'batch/v1 Job':
      return construct(Job, data);
    case 'v1 ConfigMap':
      return construct(ConfigMap, data);
    case 'v1 Secret':
      return construct(Secret, data);
    case 'v1 Service':
      return construct(Service, data);
    case 'networking.k8s.io/v1 Ingress':
      return construct(Ingress, data);
    case 'networking.k8s.io/v1 NetworkPolicy':
      return construct(NetworkPolicy, data);
    case 'autoscaling/v2 HorizontalPodAutoscaler':
      return construct(HorizontalPodAutoscaler, data);
    case 'policy/v1 PodDisruptionBudget':
      return construct(PodDisruptionBudget, data);
    default:
      throw new Error(`unknown apiVersion/kind: ${String(apiVersion)} ${String(kind)}`);
  }
}

/**
 * Parses every YAML document of a file (empty documents are skipped); throws on a YAML error. YAML 1.1,
 * as kubectl reads it (so `defaultMode: 0555` is octal).
 */
export function parseManifestFile(file: string): unknown[] {
  return parseManifestText(fs.readFileSync(path.resolve(REPO_ROOT, file), 'utf8'), file);
}

function parseManifestText(text: string, where: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/** The deployable shapes: kustomize directories, relative to the repository root. */
export const SHAPES = {
  dev: 'infra/k8s/overlays/dev',
  prod: 'infra/k8s/overlays/prod',
  streaming: 'infra/k8s/overlays/dev-streaming',
} as const;

export type ShapeName = keyof typeof SHAPES;
export const SHAPE_NAMES = Object.keys(SHAPES) as ShapeName[];

/** kubectl's own kustomize (CI installs Debian's kubernetes-client); KUBECTL overrides the path. */
const KUBECTL = process.env.KUBECTL ?? (fs.existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : 'kubectl');

const rendered = new Map<string, unknown[]>();

/** `kubectl kustomize <dir>` as plain documents (cached per directory for the test file). */
export function renderKustomization(dir: string): unknown[] {
  let documents = rendered.get(dir);
  if (!documents) {
    const text = execFileSync(KUBECTL, ['kustomize', path.join(REPO_ROOT, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    documents = parseManifestText(text, dir);
    rendered.set(dir, documents);
  }
  return documents;
}

/** A shape's rendered objects, each validated against the Kubernetes schema. */
export function renderShape(shape: ShapeName | string): KubernetesObject[] {
  const dir = shape in SHAPES ? SHAPES[shape as ShapeName] : shape;
  return renderKustomization(dir).map((data) => toKubernetesObject(data));
}

/** Every YAML file under a directory (recursively), relative to the repository root, sorted. */
export function yamlFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The manifest files of a directory, relative to the repository root, sorted. */
export function manifestFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(REPO_ROOT, dir))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${dir}/${name}`);
}

export function loadManifests(files: readonly string[]): ManifestDocument[] {
  return files.flatMap((file) => parseManifestFile(file).map((data, index) => ({ file, index, object: toKubernetesObject(data) })));
}

export function isWorkload(object: KubernetesObject): object is Workload {
  return object instanceof Deployment || object instanceof StatefulSet;
}
