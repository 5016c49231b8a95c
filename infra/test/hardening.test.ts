import fs from 'node:fs';
import path from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { isWorkload, REPO_ROOT, renderShape, SHAPE_NAMES } from './support/kubernetes-objects';
import { argValue, byName, containersOf, envVar, mainContainer, objectsOf, statefulSetsRunning } from './support/workloads';
import { expectedNatsConfig, parseNatsConfig, passwordVariable } from './support/nats-config';
import { SERVICES } from './support/services';

const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs/kubernetes.md'), 'utf8');

describe.each(SHAPE_NAMES)('hardening of the %s shape', (shape) => {
  const set = renderShape(shape);
  const workloads = set.filter(isWorkload);

  it('when any pod runs, then it is non-root with RuntimeDefault seccomp and no service account token', () => {
    for (const workload of workloads) {
      const pod = workload.spec?.template.spec;
      expect({
        workload: workload.metadata?.name,
        automount: pod?.automountServiceAccountToken,
        runAsNonRoot: pod?.securityContext?.runAsNonRoot,
        nonZeroUser: (pod?.securityContext?.runAsUser ?? 0) > 0,
        seccomp: pod?.securityContext?.seccompProfile?.type,
      }).toEqual({ workload: workload.metadata?.name, automount: false, runAsNonRoot: true, nonZeroUser: true, seccomp: 'RuntimeDefault' });
    }
  });

  it('when any container runs (init containers too), then its root file system is read-only, it cannot escalate, and it has no capability', () => {
    for (const workload of workloads) {
      for (const container of containersOf(workload)) {
        const context = container.securityContext;
        expect({
          where: `${workload.metadata?.name}/${container.name}`,
          readOnlyRootFilesystem: context?.readOnlyRootFilesystem,
          allowPrivilegeEscalation: context?.allowPrivilegeEscalation,
          drop: context?.capabilities?.drop,
          add: context?.capabilities?.add,
          privileged: context?.privileged,
        }).toEqual({
          where: `${workload.metadata?.name}/${container.name}`,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          drop: ['ALL'],
          add: undefined,
          privileged: undefined,
        });
      }
    }
  });

  it('when MongoDB runs, then mongod requires authentication and members authenticate with a key file from a Secret', () => {
    const mongos = statefulSetsRunning(set, 'mongo:');
    expect(mongos).toHaveLength(SERVICES.length);
    for (const statefulSet of mongos) {
      const args = mainContainer(statefulSet).args ?? [];
      expect(args).toContain('--auth');
      const keyFile = argValue(args, '--keyFile') ?? '';
      const pod = statefulSet.spec?.template.spec;
      // The key file is copied from the Secret volume by an init container into a private emptyDir.
      const mount = mainContainer(statefulSet).volumeMounts?.find((candidate) => keyFile.startsWith(`${candidate.mountPath}/`));
      expect(pod?.volumes?.find((volume) => volume.name === mount?.name)?.emptyDir).toBeDefined();
      const copier = pod?.initContainers?.find((container) => container.volumeMounts?.some((candidate) => candidate.name === mount?.name));
      const secretMount = copier?.volumeMounts?.find((candidate) => pod?.volumes?.find((volume) => volume.name === candidate.name)?.secret);
      const secretVolume = pod?.volumes?.find((volume) => volume.name === secretMount?.name)?.secret;
      expect(secretVolume?.secretName).toBe(`${statefulSet.metadata?.name}-admin`);
      expect(copier?.command?.join(' ')).toMatch(/chmod 0?400/);
      expect(envVar(mainContainer(statefulSet), 'MONGO_ADMIN_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe(
        `${statefulSet.metadata?.name}-admin`,
      );
    }
  });

  it('when the ingress serves ticketing.dev, then it is TLS with a cert-manager ClusterIssuer and a tls Secret, and redirects plain HTTP', () => {
    const [ingress] = objectsOf(set, Ingress);
    expect(ingress.metadata?.annotations).toEqual(
      expect.objectContaining({
        'cert-manager.io/cluster-issuer': expect.any(String),
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      }),
    );
    const hosts = (ingress.spec?.rules ?? []).map((rule) => rule.host);
    expect(ingress.spec?.tls).toEqual([{ hosts, secretName: expect.any(String) }]);
    expect(docs).toContain(ingress.metadata?.annotations?.['cert-manager.io/cluster-issuer']);
    expect(docs).toMatch(/hsts/i);
  });

  it("when a pod reads a Secret, then docs/kubernetes.md shows the kubectl create secret line with that key (the tls Secret is cert-manager's)", () => {
    const refs = new Set<string>();
    for (const workload of workloads) {
      for (const container of containersOf(workload))
        for (const variable of container.env ?? [])
          if (variable.valueFrom?.secretKeyRef) refs.add(`${variable.valueFrom.secretKeyRef.name} ${variable.valueFrom.secretKeyRef.key}`);
      for (const volume of workload.spec?.template.spec?.volumes ?? [])
        for (const item of volume.secret?.items ?? []) refs.add(`${volume.secret?.secretName} ${item.key}`);
    }
    expect(refs.size).toBeGreaterThan(0);
    const lines = docs.split('\n').map((line) => line.trim());
    for (const entry of refs) {
      const [name, key] = entry.split(' ');
      const documented = lines.some(
        (line) => line.startsWith(`kubectl create secret generic ${name} `) && line.includes(`--from-literal=${key}=`),
      );
      expect({ secret: name, key, documented }).toEqual({ secret: name, key, documented: true });
    }
  });
});

describe.each(['dev', 'prod'] as const)('the NATS server of the %s shape', (shape) => {
  const set = renderShape(shape);
  const [nats] = statefulSetsRunning(set, 'nats:');
  const container = nats ? mainContainer(nats) : undefined;
  const configMap = byName(
    objectsOf(set, ConfigMap),
    nats?.spec?.template.spec?.volumes?.find((volume) => volume.configMap)?.configMap?.name ?? '',
  );
  const configText = configMap?.data?.['nats.conf'] ?? '';

  it('when it runs, then the image is nats 2.10 or later, started with the mounted configuration', () => {
    const [major, minor] = (/^nats:(\d+)\.(\d+)/.exec(container?.image ?? '') ?? []).slice(1).map(Number);
    expect(major > 2 || (major === 2 && minor >= 10)).toBe(true);
    const file = argValue(container?.args ?? [], '-c') ?? '';
    const mount = container?.volumeMounts?.find((candidate) => file === `${candidate.mountPath}/nats.conf`);
    expect(nats?.spec?.template.spec?.volumes?.find((volume) => volume.name === mount?.name)?.configMap?.name).toBe(
      configMap?.metadata?.name,
    );
  });

  it('when the configuration is read, then it is exactly the one derived from brokerPermissions (users, permissions, JetStream, cluster)', () => {
    expect(parseNatsConfig(configText)).toEqual(expectedNatsConfig(shape));
  });

  it('when the configuration is read, then there is no anonymous access and no password in it', () => {
    expect(configText).not.toMatch(/no_auth_user|allow_anonymous/);
    const users = (parseNatsConfig(configText).authorization as { users: Array<{ password: unknown }> }).users;
    for (const user of users) expect(user.password).toEqual({ env: expect.any(String) });
  });

  it("when a user password is referenced, then the pod sets that variable, quoted, from the user's Secret", () => {
    for (const user of [...SERVICES.filter((service) => service.usesNats).map((service) => service.name), 'operator']) {
      const variable = passwordVariable(user);
      const value = envVar(container ?? { name: '' }, variable)?.value ?? '';
      const [, source] = /^"\$\((\w+)\)"$/.exec(value) ?? [];
      expect({ user, ref: envVar(container ?? { name: '' }, source ?? '')?.valueFrom?.secretKeyRef }).toEqual({
        user,
        ref: { name: `${user}-nats`, key: 'NATS_PASSWORD' },
      });
    }
  });
});
