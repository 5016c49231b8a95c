import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, IContainer, IEnvVar, Service } from 'kubernetes-models/v1';
import { isWorkload, KubernetesObject, Workload } from './kubernetes-objects';

/** The objects of one class in a rendered set. */
export function objectsOf<T extends KubernetesObject>(set: readonly KubernetesObject[], Kind: abstract new (...args: never[]) => T): T[] {
  return set.filter((object): object is T => object instanceof Kind);
}

export function byName<T extends { metadata?: { name?: string } }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => item.metadata?.name === name);
}

export function containersOf(workload: Workload): IContainer[] {
  const pod = workload.spec?.template.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

export function mainContainer(workload: Workload): IContainer {
  const container = workload.spec?.template.spec?.containers[0];
  if (!container) throw new Error(`${workload.metadata?.name} has no container`);
  return container;
}

export function envVar(container: IContainer, name: string): IEnvVar | undefined {
  return container.env?.find((variable) => variable.name === name);
}

/** A variable's value: literal, or from a ConfigMap of the same set. */
export function envValue(set: readonly KubernetesObject[], container: IContainer, name: string): string | undefined {
  const variable = envVar(container, name);
  if (variable?.value !== undefined) return variable.value;
  const ref = variable?.valueFrom?.configMapKeyRef;
  if (!ref) return undefined;
  return byName(objectsOf(set, ConfigMap), ref.name ?? '')?.data?.[ref.key];
}

/** The `$(NAME)` references of a value (Kubernetes' dependent environment variables). */
export function interpolated(value: string): string[] {
  return [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((match) => match[1]);
}

/**
 * The container's environment as the kubelet builds it: literals, ConfigMap keys, Secret keys (through
 * `secret(name, key)`), the pod name, and `$(NAME)` references to variables defined earlier.
 */
export function resolvedEnv(
  set: readonly KubernetesObject[],
  container: IContainer,
  secret: (name: string, key: string) => string,
  podName: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    let value: string | undefined;
    if (variable.value !== undefined)
      value = variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => env[name] ?? all);
    else if (from?.secretKeyRef) value = secret(from.secretKeyRef.name ?? '', from.secretKeyRef.key);
    else if (from?.configMapKeyRef) value = envValue(set, container, variable.name);
    else if (from?.fieldRef?.fieldPath === 'metadata.name') value = podName;
    if (value === undefined) throw new Error(`cannot resolve ${variable.name}`);
    env[variable.name] = value;
  }
  return env;
}

export function podLabels(workload: Workload): Record<string, string> {
  return workload.spec?.template.metadata?.labels ?? {};
}

export function selectedWorkloads(set: readonly KubernetesObject[], service: Service): Workload[] {
  const selector = Object.entries(service.spec?.selector ?? {});
  if (selector.length === 0) return [];
  return set.filter(isWorkload).filter((workload) => selector.every(([key, value]) => podLabels(workload)[key] === value));
}

/** The container port a named or numbered port refers to, in any container of the workload. */
export function containerPort(workload: Workload, port: number | string): number | undefined {
  const ports = containersOf(workload).flatMap((container) => container.ports ?? []);
  const match = ports.find((candidate) => (typeof port === 'number' ? candidate.containerPort === port : candidate.name === port));
  return match?.containerPort;
}

/** The Service (and its workloads) a `host:port` reaches: a Service name, or a StatefulSet pod's DNS name. */
export function resolveEndpoint(
  set: readonly KubernetesObject[],
  host: string,
  port: number,
): { service: Service; workloads: Workload[] } | undefined {
  const services = objectsOf(set, Service);
  const labels = host.split('.');
  let service: Service | undefined;
  if (labels.length === 1) service = byName(services, host);
  if (labels.length === 2) {
    // <statefulset>-<ordinal>.<governing service>
    const [pod, serviceName] = labels;
    const owner = objectsOf(set, StatefulSet).find((statefulSet) => statefulSet.spec?.serviceName === serviceName);
    const ordinal = owner ? Number(pod.slice(`${owner.metadata?.name}-`.length)) : NaN;
    if (owner && pod.startsWith(`${owner.metadata?.name}-`) && Number.isInteger(ordinal) && ordinal < (owner.spec?.replicas ?? 1))
      service = byName(services, serviceName);
  }
  if (!service || !service.spec?.ports?.some((servicePort) => servicePort.port === port)) return undefined;
  return { service, workloads: selectedWorkloads(set, service) };
}

export function hostsOf(uri: string): Array<{ host: string; port: number }> {
  const match = /^[a-z+]+:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  if (!match) throw new Error(`not a URI: ${uri}`);
  return match[1].split(',').map((hostPort) => {
    const [host, port] = hostPort.split(':');
    return { host, port: Number(port ?? (uri.startsWith('mongodb') ? 27017 : 4222)) };
  });
}

export function argValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

/** The services this repo builds: Deployments whose image is `ticketing/<name>` (the web client included). */
export function appDeployments(set: readonly KubernetesObject[]): Deployment[] {
  return objectsOf(set, Deployment).filter((deployment) => mainContainer(deployment).image?.startsWith('ticketing/'));
}

export const imageName = (workload: Workload): string => (mainContainer(workload).image ?? '').replace(/^ticketing\//, '');

/** The StatefulSets whose main container runs the given image (`mongo:`, `nats:`). */
export function statefulSetsRunning(set: readonly KubernetesObject[], imagePrefix: string): StatefulSet[] {
  return objectsOf(set, StatefulSet).filter((statefulSet) => mainContainer(statefulSet).image?.startsWith(imagePrefix));
}
