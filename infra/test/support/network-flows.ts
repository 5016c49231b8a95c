/**
 * Which connections a set of NetworkPolicies allows, computed the way Kubernetes enforces them: a pod
 * selected by some policy of a direction (Ingress, Egress) accepts in that direction only what one of
 * those policies' rules allows; a connection between two pods of the set needs the sender's egress and
 * the receiver's ingress. Pods are named by their `app` label; peers outside the namespace by what they
 * select (KNOWN_PEERS). Only the selector forms the manifests use are understood; anything else throws.
 */
import { INetworkPolicyPeer, INetworkPolicyPort, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { isWorkload, KubernetesObject } from './kubernetes-objects';
import { containersOf, objectsOf, podLabels } from './workloads';

/** Peers outside the namespace, by `namespace/label=value`. */
export const KNOWN_PEERS: Record<string, string> = {
  'ingress-nginx/app.kubernetes.io/name=ingress-nginx': 'ingress-controller',
  'kube-system/k8s-app=kube-dns': 'kube-dns',
  'monitoring/app.kubernetes.io/name=prometheus': 'prometheus',
};

/** Addresses outside the cluster that are not public: an egress to "the internet" must leave them out. */
export const NON_PUBLIC_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8'];

type ILabelSelector = NonNullable<INetworkPolicyPeer['podSelector']>;

interface Pod {
  name: string;
  labels: Record<string, string>;
  ports: Array<{ port: number; name?: string; protocol: string }>;
}

export function matches(selector: ILabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) throw new Error('a selector is required');
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((expression) => {
    if (expression.operator !== 'In') throw new Error(`unsupported selector operator ${expression.operator}`);
    return (expression.values ?? []).includes(labels[expression.key]);
  });
  return byLabels && byExpressions;
}

function selectorKey(selector: ILabelSelector | undefined): string {
  if (!selector || selector.matchExpressions) throw new Error('an outside peer needs matchLabels only');
  return Object.entries(selector.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** An outside peer's name: a KNOWN_PEERS entry, or `internet` for a public ipBlock on 0.0.0.0/0. */
function outsidePeer(peer: INetworkPolicyPeer): string | undefined {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except ?? [];
    if (peer.ipBlock.cidr !== '0.0.0.0/0' || !NON_PUBLIC_RANGES.every((range) => except.includes(range)))
      throw new Error(`ipBlock ${JSON.stringify(peer.ipBlock)} is not "the public internet"`);
    return 'internet';
  }
  if (!peer.namespaceSelector) return undefined;
  const namespace = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
  const key = `${namespace}/${selectorKey(peer.podSelector)}`;
  const known = KNOWN_PEERS[key];
  if (!known) throw new Error(`unknown outside peer ${key}`);
  return known;
}

function podsOf(set: readonly KubernetesObject[]): Pod[] {
  return set.filter(isWorkload).map((workload) => {
    const labels = podLabels(workload);
    const ports = containersOf(workload).flatMap((container) =>
      (container.ports ?? []).map((port) => ({ port: port.containerPort, name: port.name, protocol: port.protocol ?? 'TCP' })),
    );
    return { name: labels.app ?? String(workload.metadata?.name), labels, ports };
  });
}

function portAllowed(rulePorts: INetworkPolicyPort[] | undefined, pod: Pod | undefined, port: number, protocol: string): boolean {
  if (!rulePorts || rulePorts.length === 0) throw new Error('every rule must name its ports');
  return rulePorts.some((rule) => {
    if ((rule.protocol ?? 'TCP') !== protocol) return false;
    if (typeof rule.port === 'number') return rule.port === port;
    return pod?.ports.some((candidate) => candidate.name === rule.port && candidate.port === port) ?? false;
  });
}

type Direction = 'Ingress' | 'Egress';

function policiesFor(policies: readonly NetworkPolicy[], pod: Pod, direction: Direction): NetworkPolicy[] {
  return policies.filter((policy) => (policy.spec?.policyTypes ?? []).includes(direction) && matches(policy.spec?.podSelector, pod.labels));
}

function rulesOf(policy: NetworkPolicy, direction: Direction): Array<{ peers: INetworkPolicyPeer[]; ports?: INetworkPolicyPort[] }> {
  const rules =
    direction === 'Ingress'
      ? (policy.spec?.ingress ?? []).map((rule) => ({ peers: rule.from ?? [], ports: rule.ports }))
      : (policy.spec?.egress ?? []).map((rule) => ({ peers: rule.to ?? [], ports: rule.ports }));
  for (const rule of rules) if (rule.peers.length === 0) throw new Error(`${policy.metadata?.name}: a rule without peers allows everyone`);
  return rules;
}

/** Does `pod` allow, in `direction`, the peer (a pod of the set, or an outside peer's name) on port/protocol? */
function allows(
  policies: readonly NetworkPolicy[],
  pod: Pod,
  direction: Direction,
  peer: Pod | string,
  target: Pod | undefined,
  port: number,
  protocol: string,
): boolean {
  const selecting = policiesFor(policies, pod, direction);
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    rulesOf(policy, direction).some(
      (rule) =>
        portAllowed(rule.ports, target, port, protocol) &&
        rule.peers.some((candidate) => {
          const outside = outsidePeer(candidate);
          if (typeof peer === 'string') return outside === peer;
          return outside === undefined && matches(candidate.podSelector, peer.labels);
        }),
    ),
  );
}

/** Every allowed flow, as `from -> to:port/PROTOCOL`, sorted and without duplicates. */
export function allowedFlows(set: readonly KubernetesObject[]): string[] {
  const policies = objectsOf(set, NetworkPolicy);
  const pods = podsOf(set);
  const flows = new Set<string>();
  for (const source of pods) {
    for (const target of pods) {
      for (const { port, protocol } of target.ports) {
        if (
          allows(policies, source, 'Egress', target, target, port, protocol) &&
          allows(policies, target, 'Ingress', source, target, port, protocol)
        )
          flows.add(`${source.name} -> ${target.name}:${port}/${protocol}`);
      }
    }
  }
  // Outside peers: the ports the rules name.
  for (const pod of pods) {
    for (const direction of ['Egress', 'Ingress'] as const) {
      for (const policy of policiesFor(policies, pod, direction)) {
        for (const rule of rulesOf(policy, direction)) {
          for (const candidate of rule.peers) {
            const outside = outsidePeer(candidate);
            if (outside === undefined) continue;
            for (const rulePort of rule.ports ?? []) {
              const protocol = rulePort.protocol ?? 'TCP';
              const port =
                typeof rulePort.port === 'number' ? rulePort.port : pod.ports.find((entry) => entry.name === rulePort.port)?.port;
              if (port === undefined) throw new Error(`${policy.metadata?.name}: port ${String(rulePort.port)} not found`);
              flows.add(
                direction === 'Egress' ? `${pod.name} -> ${outside}:${port}/${protocol}` : `${outside} -> ${pod.name}:${port}/${protocol}`,
              );
            }
          }
        }
      }
    }
  }
  return [...flows].sort();
}
