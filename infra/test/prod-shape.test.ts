import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { renderShape } from './support/kubernetes-objects';
import {
  argValue,
  envValue,
  envVar,
  imageName,
  mainContainer,
  objectsOf,
  podLabels,
  resolveEndpoint,
  statefulSetsRunning,
} from './support/workloads';
import { NATS_CLUSTER, parseNatsConfig } from './support/nats-config';
import { SERVICES, WEB_CLIENT } from './support/services';

const set = renderShape('prod');
const deployments = objectsOf(set, Deployment);
const deploymentOf = (name: string): Deployment | undefined => deployments.find((deployment) => imageName(deployment) === name);

/** Prefers (or requires) one pod of the workload per node. */
function spreadsOverNodes(workload: Deployment | StatefulSet): boolean {
  const pod = workload.spec?.template.spec;
  const labels = podLabels(workload);
  const selects = (selector?: { matchLabels?: Record<string, string> }): boolean =>
    Object.entries(selector?.matchLabels ?? {}).length > 0 &&
    Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const antiAffinity = pod?.affinity?.podAntiAffinity;
  const terms = [
    ...(antiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((term) => term.podAffinityTerm),
    ...(antiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
  ];
  const byAffinity = terms.some((term) => term.topologyKey === 'kubernetes.io/hostname' && selects(term.labelSelector));
  const bySpread = (pod?.topologySpreadConstraints ?? []).some(
    (constraint) => constraint.topologyKey === 'kubernetes.io/hostname' && selects(constraint.labelSelector),
  );
  return byAffinity || bySpread;
}

describe('the prod shape', () => {
  it('when NATS runs, then three JetStream servers form one cluster: routes to every pod through the headless Service, names from the pods', () => {
    const [nats] = statefulSetsRunning(set, 'nats:');
    expect(nats.spec?.replicas).toBe(NATS_CLUSTER.replicas);
    expect(nats.spec?.podManagementPolicy).toBe('Parallel');
    const config = parseNatsConfig(
      set.flatMap((object) =>
        'data' in object && object.metadata?.name === 'nats-server-config' ? [object.data?.['nats.conf'] ?? ''] : [],
      )[0] ?? '',
    );
    const cluster = config.cluster as { port: number; routes: string[] };
    expect(config.server_name).toEqual({ env: 'POD_NAME' });
    expect(envVar(mainContainer(nats), 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(mainContainer(nats).ports?.map((port) => port.containerPort)).toContain(cluster.port);
    const routed = cluster.routes.map((route) => {
      const { hostname, port } = new URL(route);
      return resolveEndpoint(set, hostname, Number(port))?.workloads.map((workload) => workload.metadata?.name);
    });
    expect(routed).toEqual(Array.from({ length: NATS_CLUSTER.replicas }, () => ['nats']));
    expect(new Set(cluster.routes).size).toBe(NATS_CLUSTER.replicas);
  });

  it('when the services use the broker, then their streams keep three replicas (NATS_STREAM_REPLICAS=3)', () => {
    for (const service of SERVICES.filter((candidate) => candidate.usesNats)) {
      const deployment = deploymentOf(service.name) as Deployment;
      expect([service.name, envValue(set, mainContainer(deployment), 'NATS_STREAM_REPLICAS')]).toEqual([service.name, '3']);
    }
  });

  it('when MongoDB runs, then each service has a three-member replica set that lists every member, and the service every member as a seed', () => {
    for (const service of SERVICES) {
      const mongo = statefulSetsRunning(set, 'mongo:').find(
        (statefulSet) => statefulSet.metadata?.name === `${service.name}-mongo`,
      ) as StatefulSet;
      expect(mongo.spec?.replicas).toBe(3);
      expect(mongo.spec?.podManagementPolicy).toBe('Parallel');
      const members = (envValue(set, mainContainer(mongo), 'RS_MEMBERS') ?? '').split(',');
      expect(members).toEqual([0, 1, 2].map((ordinal) => `${service.name}-mongo-${ordinal}.${service.name}-mongo-srv:27017`));
      const uri = envValue(set, mainContainer(deploymentOf(service.name) as Deployment), 'MONGO_URI') ?? '';
      expect(uri.split('@')[1]?.split('/')[0]?.split(',')).toEqual(members);
      expect(argValue(mainContainer(mongo).args ?? [], '--replSet')).toBe('rs0');
    }
  });

  it('when load changes, then a CPU HorizontalPodAutoscaler (autoscaling/v2) scales each service from two replicas, and owns its replica count', () => {
    const autoscalers = objectsOf(set, HorizontalPodAutoscaler);
    expect(autoscalers.map((hpa) => hpa.spec?.scaleTargetRef.name).sort()).toEqual(
      SERVICES.map((service) => `${service.name}-depl`).sort(),
    );
    for (const hpa of autoscalers) {
      const target = deployments.find((deployment) => deployment.metadata?.name === hpa.spec?.scaleTargetRef.name);
      expect({
        hpa: hpa.metadata?.name,
        kind: hpa.spec?.scaleTargetRef.kind,
        replicas: target?.spec?.replicas,
        cpuRequest: mainContainer(target as Deployment).resources?.requests?.cpu,
      }).toEqual({
        hpa: hpa.metadata?.name,
        kind: 'Deployment',
        replicas: undefined,
        cpuRequest: expect.any(String),
      });
      expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec?.maxReplicas).toBeGreaterThan(hpa.spec?.minReplicas ?? 0);
      expect(hpa.spec?.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
      ]);
    }
  });

  it('when nodes are drained, then a PodDisruptionBudget covers every service, the web client, NATS and each MongoDB, and lets one pod go', () => {
    const budgets = objectsOf(set, PodDisruptionBudget);
    const workloads = [...deployments, ...objectsOf(set, StatefulSet)];
    const covered = workloads.map((workload) => {
      const labels = podLabels(workload);
      const budget = budgets.find((candidate) =>
        Object.entries(candidate.spec?.selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value),
      );
      return [workload.metadata?.name, budget ? (budget.spec?.maxUnavailable ?? `min ${String(budget.spec?.minAvailable)}`) : 'none'];
    });
    expect(covered).toEqual(workloads.map((workload) => [workload.metadata?.name, workload instanceof StatefulSet ? 1 : 'min 1']));
    // minAvailable 1 leaves room to evict only with two replicas or more.
    expect((deploymentOf(WEB_CLIENT.name) as Deployment).spec?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('when pods are scheduled, then NATS and MongoDB members avoid sharing a node, and the services spread over nodes and zones', () => {
    for (const statefulSet of objectsOf(set, StatefulSet))
      expect([statefulSet.metadata?.name, spreadsOverNodes(statefulSet)]).toEqual([statefulSet.metadata?.name, true]);
    for (const deployment of deployments) {
      expect([deployment.metadata?.name, spreadsOverNodes(deployment)]).toEqual([deployment.metadata?.name, true]);
      if (imageName(deployment) !== WEB_CLIENT.name)
        expect(deployment.spec?.template.spec?.topologySpreadConstraints?.map((constraint) => constraint.topologyKey)).toContain(
          'topology.kubernetes.io/zone',
        );
    }
  });
});
