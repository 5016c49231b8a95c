import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { isWorkload, renderShape, SHAPE_NAMES, ShapeName } from './support/kubernetes-objects';
import { allowedFlows } from './support/network-flows';
import { objectsOf, podLabels } from './support/workloads';
import { SERVICES, WEB_CLIENT } from './support/services';

/** The flows docs/kubernetes.md lists, for one shape; nothing else may be allowed. */
function expectedFlows(shape: ShapeName, pods: readonly string[]): string[] {
  const broker = shape === 'streaming' ? 'nats-streaming' : 'nats';
  const flows = [
    // Every pod may look names up.
    ...pods.flatMap((pod) => [`${pod} -> kube-dns:53/UDP`, `${pod} -> kube-dns:53/TCP`]),
    ...SERVICES.flatMap((service) => [
      `ingress-controller -> ${service.name}:3000/TCP`,
      // Each service reaches its own database, whose members also reach each other (replication).
      `${service.name} -> ${service.name}-mongo:27017/TCP`,
      `${service.name}-mongo -> ${service.name}-mongo:27017/TCP`,
      // The broker and the session revocation check.
      ...(service.usesNats ? [`${service.name} -> ${broker}:4222/TCP`, `${service.name} -> auth:3000/TCP`] : []),
    ]),
    `ingress-controller -> ${WEB_CLIENT.name}:${WEB_CLIENT.port}/TCP`,
    // Stripe's API.
    'payments -> internet:443/TCP',
    ...(shape === 'prod' ? ['nats -> nats:6222/TCP', ...SERVICES.map((service) => `prometheus -> ${service.name}:3000/TCP`)] : []),
  ];
  return [...new Set(flows)].sort();
}

describe.each(SHAPE_NAMES)('NetworkPolicies of the %s shape', (shape) => {
  const set = renderShape(shape);
  const policies = objectsOf(set, NetworkPolicy);
  const pods = set.filter(isWorkload).map((workload) => podLabels(workload).app);

  it('when nothing else is allowed, then a default-deny policy selects every pod in both directions', () => {
    const denyAll = policies.filter(
      (policy) =>
        Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
        !policy.spec?.ingress &&
        !policy.spec?.egress &&
        [...(policy.spec?.policyTypes ?? [])].sort().join() === 'Egress,Ingress',
    );
    expect(denyAll.map((policy) => policy.metadata?.name)).toEqual(['default-deny']);
  });

  it('when every pod is labelled with its app, then the flows can be named', () => {
    expect(pods.every((app) => typeof app === 'string')).toBe(true);
    expect(new Set(pods).size).toBe(pods.length);
  });

  it('when the allowed flows are computed from the policies, then they are exactly the documented ones', () => {
    expect(allowedFlows(set)).toEqual(expectedFlows(shape, pods));
  });

  it('when a database policy is read, then it admits only its own service and its own members', () => {
    for (const service of SERVICES) {
      const policy = policies.find((candidate) => candidate.metadata?.name === `${service.name}-mongo`);
      const from = (policy?.spec?.ingress ?? []).flatMap((rule) => rule.from ?? []);
      expect(from).toEqual([
        { podSelector: { matchLabels: { app: service.name } } },
        { podSelector: { matchLabels: { app: `${service.name}-mongo` } } },
      ]);
    }
  });

  it('when the policies are left out, then the evaluator sees open flows the table does not list (the check can fail)', () => {
    const open = set.filter((object) => !(object instanceof NetworkPolicy));
    expect(allowedFlows(open)).toContain('client -> auth-mongo:27017/TCP');
    const withoutDatabasePolicy = set.filter((object) => !(object instanceof NetworkPolicy && object.metadata?.name === 'tickets-mongo'));
    // default-deny still closes the database to everyone, its own service included.
    expect(allowedFlows(withoutDatabasePolicy)).not.toContain('tickets -> tickets-mongo:27017/TCP');
  });
});
