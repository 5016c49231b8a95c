import fs from 'node:fs';
import path from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, IContainer, IEnvVar, IProbe, Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { isWorkload, KubernetesObject, loadManifests, manifestFiles, REPO_ROOT, Workload } from './support/kubernetes-objects';
import { expandRawYaml, globBase, loadSkaffoldConfig } from './support/skaffold-config';
import { findStage, parseDockerfile, Stage, stageConfig } from './support/dockerfile-interpreter';
import { IMAGE_NAMES, SERVICE_NAMES, SERVICES, serviceFacts, WEB_CLIENT } from './support/services';

const skaffold = loadSkaffoldConfig();
const streamingProfile = skaffold.profiles?.find((profile) => profile.name === 'streaming');

/** The manifest sets skaffold deploys: the default one and the NATS Streaming variant. */
const manifestSets: Record<string, KubernetesObject[]> = {
  default: loadManifests(expandRawYaml(skaffold.manifests.rawYaml)).map(({ object }) => object),
  streaming: loadManifests(expandRawYaml(streamingProfile?.manifests?.rawYaml ?? [])).map(({ object }) => object),
};
const objects = manifestSets.default;
const deployments = objects.filter((object): object is Deployment => object instanceof Deployment);
const statefulSets = objects.filter((object): object is StatefulSet => object instanceof StatefulSet);

/** The services this repo builds: Deployments whose image is `ticketing/<service>`. */
const appDeployments = deployments.filter((deployment) =>
  containersOf(deployment).some((container) => container.image?.startsWith('ticketing/')),
);
const serviceName = (deployment: Deployment): string => (mainContainer(deployment).image ?? '').replace(/^ticketing\//, '');

/** The repository's top-level folders that build a service image (hold a Dockerfile). */
function foldersWithDockerfile(): string[] {
  return fs
    .readdirSync(REPO_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(REPO_ROOT, entry.name, 'Dockerfile')))
    .map((entry) => entry.name)
    .sort();
}

function containersOf(workload: Workload): IContainer[] {
  const pod = workload.spec?.template.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

function mainContainer(workload: Workload): IContainer {
  const container = workload.spec?.template.spec?.containers[0];
  if (!container) throw new Error(`${workload.metadata?.name} has no container`);
  return container;
}

function byName<T extends { metadata?: { name?: string } }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => item.metadata?.name === name);
}

function envVar(container: IContainer, name: string): IEnvVar | undefined {
  return container.env?.find((variable) => variable.name === name);
}

/** A variable's value: literal, or from a ConfigMap of the same manifest set. */
function envValue(set: readonly KubernetesObject[], container: IContainer, name: string): string | undefined {
  const variable = envVar(container, name);
  if (variable?.value !== undefined) return variable.value;
  const ref = variable?.valueFrom?.configMapKeyRef;
  if (!ref) return undefined;
  const configMaps = set.filter((object): object is ConfigMap => object instanceof ConfigMap);
  return byName(configMaps, ref.name ?? '')?.data?.[ref.key];
}

function podLabels(workload: Workload): Record<string, string> {
  return workload.spec?.template.metadata?.labels ?? {};
}

function selectedWorkloads(set: readonly KubernetesObject[], service: Service): Workload[] {
  const selector = Object.entries(service.spec?.selector ?? {});
  if (selector.length === 0) return [];
  return set.filter(isWorkload).filter((workload) => selector.every(([key, value]) => podLabels(workload)[key] === value));
}

/** The container port a named or numbered port refers to, in any container of the workload. */
function containerPort(workload: Workload, port: number | string): number | undefined {
  const ports = containersOf(workload).flatMap((container) => container.ports ?? []);
  const match = ports.find((candidate) => (typeof port === 'number' ? candidate.containerPort === port : candidate.name === port));
  return match?.containerPort;
}

/** The Service (and its workloads) a `host:port` reaches: a Service name, or a StatefulSet pod's DNS name. */
function resolveEndpoint(
  set: readonly KubernetesObject[],
  host: string,
  port: number,
): { service: Service; workloads: Workload[] } | undefined {
  const services = set.filter((object): object is Service => object instanceof Service);
  const labels = host.split('.');
  let service: Service | undefined;
  if (labels.length === 1) service = byName(services, host);
  if (labels.length === 2) {
    // <statefulset>-<ordinal>.<governing service>
    const [pod, serviceName] = labels;
    const owner = set
      .filter((object): object is StatefulSet => object instanceof StatefulSet)
      .find((statefulSet) => statefulSet.spec?.serviceName === serviceName);
    const ordinal = owner ? Number(pod.slice(`${owner.metadata?.name}-`.length)) : NaN;
    if (owner && pod.startsWith(`${owner.metadata?.name}-`) && Number.isInteger(ordinal) && ordinal < (owner.spec?.replicas ?? 1))
      service = byName(services, serviceName);
  }
  if (!service || !service.spec?.ports?.some((servicePort) => servicePort.port === port)) return undefined;
  return { service, workloads: selectedWorkloads(set, service) };
}

function hostsOf(uri: string): Array<{ host: string; port: number }> {
  const match = /^[a-z+]+:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  if (!match) throw new Error(`not a URI: ${uri}`);
  return match[1].split(',').map((hostPort) => {
    const [host, port] = hostPort.split(':');
    return { host, port: Number(port ?? (uri.startsWith('mongodb') ? 27017 : 4222)) };
  });
}

function argValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function probePort(workload: Workload, probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return port === undefined ? undefined : containerPort(workload, port);
}

function dockerfileStages(dockerfile: string): Stage[] {
  return parseDockerfile(fs.readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'));
}

/** Where each context path COPY'd along a stage's parent chain lands in the image. */
function copiedDirectories(stages: readonly Stage[], target: string): Map<string, string> {
  const chain: Stage[] = [];
  for (let stage = findStage(stages, target); stage; stage = findStage(stages, stage.from)) chain.unshift(stage);
  const copies = new Map<string, string>();
  let workdir = '/';
  for (const stage of chain) {
    for (const step of stage.steps) {
      if (step.kind === 'WORKDIR') workdir = path.posix.resolve(workdir, step.path);
      if (step.kind === 'COPY' && step.from === undefined)
        for (const source of step.sources) copies.set(source.replace(/\/$/, ''), path.posix.resolve(workdir, step.dest));
    }
  }
  return copies;
}

describe('Kubernetes manifests: cross-checks', () => {
  it('when skaffold deploys by default, then it deploys every manifest in infra/k8s and there is one app Deployment per service and the web client', () => {
    expect(expandRawYaml(skaffold.manifests.rawYaml)).toEqual(manifestFiles('infra/k8s'));
    expect(appDeployments.map(serviceName).sort()).toEqual([...IMAGE_NAMES].sort());
  });

  it('when a folder has a Dockerfile, then it is one of the images the infra tests cover (the services and the client), and each has one', () => {
    expect(foldersWithDockerfile()).toEqual([...IMAGE_NAMES].sort());
  });

  describe.each(SERVICE_NAMES)('the %s Deployment and its config', (service) => {
    const deployment = appDeployments.find((candidate) => serviceName(candidate) === service);
    const container = deployment ? mainContainer(deployment) : undefined;
    const load = (): Record<string, object> => {
      // ts-jest compiles the service's config (and @ticketing/common from source).
      const module = jest.requireActual<{ configSpec?: Record<string, object> }>(path.join(REPO_ROOT, service, 'src/config.ts'));
      if (!module.configSpec) throw new Error(`${service}/src/config.ts exports no configSpec`);
      return module.configSpec;
    };

    it('when the config requires a variable (no default), then the Deployment sets it', () => {
      const required = Object.entries(load())
        .filter(([, spec]) => !('default' in spec))
        .map(([name]) => name);
      expect(required.length).toBeGreaterThan(0);
      const set = (container?.env ?? []).map((variable) => variable.name);
      expect(required.filter((name) => !set.includes(name))).toEqual([]);
    });

    it('when the Deployment sets a variable, then the config knows it (no typos)', () => {
      const known = Object.keys(load());
      expect((container?.env ?? []).map((variable) => variable.name).filter((name) => !known.includes(name))).toEqual([]);
    });

    it('when a variable must stay unset in the cluster, then the config knows it and it is optional', () => {
      const spec = load();
      for (const name of serviceFacts(service).unsetInCluster) {
        expect({ name, known: name in spec, optional: name in spec && 'default' in spec[name] }).toEqual({
          name,
          known: true,
          optional: true,
        });
      }
    });
  });

  describe.each(Object.keys(manifestSets))('connection strings in the %s manifest set', (setName) => {
    const set = manifestSets[setName];
    // The services (the web client has no database or broker).
    const apps = set
      .filter((object): object is Deployment => object instanceof Deployment)
      .filter((deployment) => mainContainer(deployment).image?.startsWith('ticketing/'))
      .filter((deployment) => mainContainer(deployment).image !== WEB_CLIENT.image);

    it('when a service has MONGO_URI, then every host is a Service on that port in front of a MongoDB replica set of that name', () => {
      expect(apps.map(serviceName).sort()).toEqual([...SERVICE_NAMES].sort());
      for (const deployment of apps) {
        const uri = envValue(set, mainContainer(deployment), 'MONGO_URI');
        const database = serviceFacts(serviceName(deployment)).database;
        expect({ deployment: deployment.metadata?.name, uri }).toEqual({
          deployment: deployment.metadata?.name,
          uri: expect.stringMatching(new RegExp(`^mongodb://[^/]+/${database}\\?`)),
        });
        const replicaSet = new URL(uri ?? '').searchParams.get('replicaSet');
        for (const { host, port } of hostsOf(uri ?? '')) {
          const endpoint = resolveEndpoint(set, host, port);
          expect({ uri, host, resolves: endpoint !== undefined }).toEqual({ uri, host, resolves: true });
          const mongo = endpoint?.workloads ?? [];
          expect(mongo.length).toBe(1);
          expect(argValue(mainContainer(mongo[0]).args ?? [], '--replSet')).toBe(replicaSet);
        }
      }
    });

    it('when a service uses NATS, then NATS_URL reaches a NATS Service and the transport matches the server', () => {
      const natsApps = apps.filter((deployment) => envVar(mainContainer(deployment), 'NATS_URL'));
      expect(natsApps.map(serviceName).sort()).toEqual(
        SERVICES.filter((service) => service.usesNats)
          .map((service) => service.name)
          .sort(),
      );
      for (const deployment of natsApps) {
        const container = mainContainer(deployment);
        const uri = envValue(set, container, 'NATS_URL') ?? '';
        const transport = envValue(set, container, 'NATS_TRANSPORT');
        for (const { host, port } of hostsOf(uri)) {
          const endpoint = resolveEndpoint(set, host, port);
          expect({ uri, resolves: endpoint !== undefined }).toEqual({ uri, resolves: true });
          const server = mainContainer(endpoint?.workloads[0] as Workload);
          if (transport === 'streaming') {
            expect(server.image).toMatch(/^nats-streaming:/);
            expect(argValue(server.args ?? [], '-cid')).toBe(envValue(set, container, 'NATS_CLUSTER_ID'));
          } else {
            expect(transport).toBe('jetstream');
            expect(server.image).toMatch(/^nats:/);
            expect(server.args).toContain('-js');
          }
        }
        expect(envVar(container, 'NATS_CLIENT_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      }
    });

    it('when the NATS services read transport settings from a ConfigMap, then exactly one such ConfigMap is deployed', () => {
      const names = set.filter((object) => object instanceof ConfigMap).map((object) => object.metadata?.name);
      expect(names.filter((name) => name === 'nats-config')).toHaveLength(1);
    });
  });

  it('when a Service selects pods, then a workload has those labels and every targetPort is a container port', () => {
    for (const set of Object.values(manifestSets)) {
      for (const service of set.filter((object): object is Service => object instanceof Service)) {
        const workloads = selectedWorkloads(set, service);
        expect({ service: service.metadata?.name, workloads: workloads.length }).toEqual({ service: service.metadata?.name, workloads: 1 });
        for (const port of service.spec?.ports ?? []) {
          expect({
            service: service.metadata?.name,
            port: port.port,
            target: containerPort(workloads[0], port.targetPort ?? port.port),
          }).toEqual({
            service: service.metadata?.name,
            port: port.port,
            target: expect.any(Number),
          });
        }
      }
    }
  });

  it('when a StatefulSet names its governing Service, then that Service is headless and selects it', () => {
    for (const set of Object.values(manifestSets)) {
      for (const statefulSet of set.filter((object): object is StatefulSet => object instanceof StatefulSet)) {
        const service = byName(
          set.filter((object): object is Service => object instanceof Service),
          statefulSet.spec?.serviceName ?? '',
        );
        expect({ statefulSet: statefulSet.metadata?.name, clusterIP: service?.spec?.clusterIP }).toEqual({
          statefulSet: statefulSet.metadata?.name,
          clusterIP: 'None',
        });
        expect(selectedWorkloads(set, service as Service)).toEqual([statefulSet]);
      }
    }
  });

  it('when the ingress routes ticketing.dev, then each API prefix reaches the Service that owns it, and / the web client', () => {
    const ingresses = objects.filter((object): object is Ingress => object instanceof Ingress);
    expect(ingresses).toHaveLength(1);
    const [ingress] = ingresses;
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    const rules = ingress.spec?.rules ?? [];
    expect(rules.map((rule) => rule.host)).toEqual(['ticketing.dev']);
    const paths = rules[0].http?.paths ?? [];
    const owners: Record<string, string> = {
      ...Object.fromEntries(SERVICES.map((service) => [service.routePrefix, service.name])),
      [WEB_CLIENT.routePrefix]: WEB_CLIENT.name,
    };
    expect(paths.map((entry) => entry.path).sort()).toEqual(Object.keys(owners).sort());
    for (const entry of paths) {
      expect(entry.pathType).toBe('Prefix');
      const backend = entry.backend.service;
      const service = byName(
        objects.filter((object): object is Service => object instanceof Service),
        backend?.name ?? '',
      );
      const exposed = service?.spec?.ports?.some(
        (port) => port.port === backend?.port?.number || (port.name !== undefined && port.name === backend?.port?.name),
      );
      expect({ path: entry.path, service: backend?.name, exposed }).toEqual({ path: entry.path, service: backend?.name, exposed: true });
      const workloads = selectedWorkloads(objects, service as Service);
      expect(workloads.map((workload) => serviceName(workload as Deployment))).toEqual([owners[entry.path ?? '']]);
    }
  });

  describe.each(SERVICE_NAMES)('the %s Deployment', (service) => {
    const facts = serviceFacts(service);
    const found = appDeployments.find((candidate) => serviceName(candidate) === service);
    const deployed = (): { deployment: Deployment; container: IContainer } => {
      if (!found) throw new Error(`no Deployment in infra/k8s runs ticketing/${service}`);
      return { deployment: found, container: mainContainer(found) };
    };

    it('when probed, then readiness asks /readyz and liveness /healthz on the port the service listens on', () => {
      const { deployment, container } = deployed();
      const port = Number(envValue(objects, container, 'PORT') ?? 3000);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(probePort(deployment, container.readinessProbe)).toBe(port);
      expect(probePort(deployment, container.livenessProbe)).toBe(port);
      expect(container.ports?.map((entry) => entry.containerPort)).toEqual([port]);
    });

    it('when it needs secrets (JWT_KEY from jwt-secret, ...), then each comes from its Secret and no other variable reads a Secret', () => {
      const { container } = deployed();
      for (const { variable, secret, key } of facts.secrets)
        expect({ variable, ref: envVar(container, variable)?.valueFrom?.secretKeyRef }).toEqual({ variable, ref: { name: secret, key } });
      const fromSecrets = (container.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.name);
      expect(fromSecrets.sort()).toEqual(facts.secrets.map((secret) => secret.variable).sort());
    });

    it('when a variable is meant for local runs only, then the Deployment leaves it unset', () => {
      const { container } = deployed();
      const set = (container.env ?? []).map((variable) => variable.name);
      expect(set.filter((name) => facts.unsetInCluster.includes(name))).toEqual([]);
    });

    it('when deployed, then it runs the replica count its work needs (2 for the event-driven services)', () => {
      const { deployment } = deployed();
      expect(deployment.spec?.replicas).toBe(facts.replicas);
    });
  });

  it('when any container runs, then it has CPU and memory requests and limits and runs as a non-root user', () => {
    for (const set of Object.values(manifestSets)) {
      for (const workload of set.filter(isWorkload)) {
        const pod = workload.spec?.template.spec;
        for (const container of containersOf(workload)) {
          const where = `${workload.metadata?.name}/${container.name}`;
          const resources = container.resources;
          expect({
            where,
            requests: Object.keys(resources?.requests ?? {}).sort(),
            limits: Object.keys(resources?.limits ?? {}).sort(),
          }).toEqual({
            where,
            requests: ['cpu', 'memory'],
            limits: ['cpu', 'memory'],
          });
          const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
          const runAsUser = container.securityContext?.runAsUser ?? pod?.securityContext?.runAsUser;
          expect({ where, runAsNonRoot, nonZeroUser: runAsUser !== undefined && runAsUser > 0 }).toEqual({
            where,
            runAsNonRoot: true,
            nonZeroUser: true,
          });
        }
      }
    }
  });

  describe.each(
    statefulSets
      .filter((statefulSet) => mainContainer(statefulSet).image?.startsWith('mongo:'))
      .map((statefulSet) => [statefulSet.metadata?.name, statefulSet] as const),
  )('the %s StatefulSet', (_name, statefulSet) => {
    const container = mainContainer(statefulSet);
    const args = container.args ?? [];

    it('when it starts, then mongod runs a replica set on all interfaces with its data on a persistent volume', () => {
      expect(args[0]).toBe('mongod');
      expect(argValue(args, '--replSet')).toBe('rs0');
      expect(args).toContain('--bind_ip_all');
      const claims = (statefulSet.spec?.volumeClaimTemplates ?? []).map((claim) => claim.metadata?.name);
      const dataMount = container.volumeMounts?.find((mount) => mount.mountPath === '/data/db');
      expect(claims).toContain(dataMount?.name);
    });

    it('when its readiness is probed, then the initiating script runs with the set name and a member host that resolves to this pod', () => {
      const scriptPath = container.readinessProbe?.exec?.command?.[0] ?? '';
      const mount = container.volumeMounts?.find((candidate) => scriptPath.startsWith(`${candidate.mountPath}/`));
      const volume = statefulSet.spec?.template.spec?.volumes?.find((candidate) => candidate.name === mount?.name);
      const configMap = byName(
        objects.filter((object): object is ConfigMap => object instanceof ConfigMap),
        volume?.configMap?.name ?? '',
      );
      const script = configMap?.data?.[path.posix.basename(scriptPath)] ?? '';
      expect(script).toMatch(/rs\.initiate\(/);
      expect(script).toMatch(/isWritablePrimary/);
      expect(volume?.configMap?.defaultMode).toBe(0o555);
      expect(envVar(container, 'RS_NAME')?.value).toBe(argValue(args, '--replSet'));
      expect(envVar(container, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      const memberHost = (envVar(container, 'RS_MEMBER_HOST')?.value ?? '').replace('$(POD_NAME)', `${statefulSet.metadata?.name}-0`);
      const [host, port] = memberHost.split(':');
      expect(resolveEndpoint(objects, host, Number(port))?.workloads).toEqual([statefulSet]);
      // The member must resolve its own name before it is ready (the probe is what initiates it).
      const governing = byName(
        objects.filter((object): object is Service => object instanceof Service),
        statefulSet.spec?.serviceName ?? '',
      );
      expect(governing?.spec?.publishNotReadyAddresses).toBe(true);
    });
  });

  it('when NATS runs, then JetStream stores on a persistent volume and the monitor port serves its health check', () => {
    const nats = statefulSets.filter((statefulSet) => mainContainer(statefulSet).image?.startsWith('nats:'));
    expect(nats).toHaveLength(1);
    const container = mainContainer(nats[0]);
    expect(container.args).toContain('-js');
    const storeDir = argValue(container.args ?? [], '-sd');
    const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === storeDir);
    expect((nats[0].spec?.volumeClaimTemplates ?? []).map((claim) => claim.metadata?.name)).toContain(mount?.name);
    expect(argValue(container.args ?? [], '-m')).toBe('8222');
    expect(container.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(probePort(nats[0], container.readinessProbe)).toBe(8222);
  });

  it('when a Deployment reads a Secret, then docs/kubernetes.md shows how to create it with that key', () => {
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs/kubernetes.md'), 'utf8');
    const refs = deployments.flatMap(containersOf).flatMap((container) => container.env ?? []);
    const secrets = new Set(refs.flatMap((variable) => variable.valueFrom?.secretKeyRef ?? []).map((ref) => `${ref.name} ${ref.key}`));
    expect(secrets.size).toBeGreaterThan(0);
    for (const entry of secrets) {
      const [name, key] = entry.split(' ');
      const documented = docs.includes(`kubectl create secret generic ${name} --from-literal=${key}=`);
      expect({ secret: name, key, documented }).toEqual({ secret: name, key, documented: true });
    }
  });

  it('when a third-party image is used, then it is pinned to a version tag', () => {
    for (const set of Object.values(manifestSets)) {
      const images = set.filter(isWorkload).flatMap((workload) => containersOf(workload).map((container) => container.image ?? ''));
      expect(images.filter((image) => !image.startsWith('ticketing/') && !/:[\w.-]+$/.test(image.replace(/:latest$/, '')))).toEqual([]);
    }
  });
});

describe('skaffold.yaml', () => {
  it('when read, then it is a current v4 config that builds locally without pushing and deploys with kubectl', () => {
    expect(skaffold.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    expect(skaffold.kind).toBe('Config');
    expect(skaffold.build.local?.push).toBe(false);
    expect(skaffold.deploy.kubectl).toEqual({});
  });

  it('when it builds, then its artifacts are exactly the images the Deployments run', () => {
    expect(skaffold.build.artifacts.map((artifact) => artifact.image).sort()).toEqual(
      appDeployments.map((deployment) => mainContainer(deployment).image).sort(),
    );
    expect(skaffold.build.artifacts.map((artifact) => artifact.image).sort()).toEqual(
      IMAGE_NAMES.map((name) => `ticketing/${name}`).sort(),
    );
  });

  // The services' artifacts (the web client's is checked in client-image.test.ts: nginx, no dev stage).
  const serviceArtifacts = skaffold.build.artifacts.filter((artifact) => artifact.image !== WEB_CLIENT.image);
  describe.each(serviceArtifacts.map((artifact) => [artifact.image, artifact] as const))('the %s artifact', (image, artifact) => {
    const service = image.replace(/^ticketing\//, '');

    it('when built, then the context is the repo root and the Dockerfile and its target stage exist', () => {
      expect(artifact.context).toBe('.');
      expect(artifact.docker.dockerfile).toBe(`${service}/Dockerfile`);
      expect(fs.existsSync(path.join(REPO_ROOT, artifact.docker.dockerfile))).toBe(true);
      const stages = dockerfileStages(artifact.docker.dockerfile);
      expect(findStage(stages, artifact.docker.target ?? String(stages.length - 1))).toBeDefined();
    });

    it('when a source file is synced, then it lands where the target stage keeps that source', () => {
      const stages = dockerfileStages(artifact.docker.dockerfile);
      const target = artifact.docker.target ?? String(stages.length - 1);
      const workdir = stageConfig(stages, target).workdir;
      const copies = copiedDirectories(stages, target);
      const rules = artifact.sync?.manual ?? [];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        const base = globBase(rule.src);
        expect(fs.statSync(path.join(REPO_ROOT, base)).isDirectory()).toBe(true);
        const strip = rule.strip ?? '';
        expect(base.startsWith(strip)).toBe(true);
        const syncedTo = path.posix.resolve(workdir, rule.dest, base.slice(strip.length));
        expect({ source: base, syncedTo }).toEqual({ source: base, syncedTo: copies.get(base) });
      }
    });

    it('when the production image runs, then it is the last stage: node dist/index.js as a non-root user from the service folder, exposing the container port', () => {
      const stages = dockerfileStages(artifact.docker.dockerfile);
      const config = stageConfig(stages);
      expect(config.cmd).toEqual(['node', 'dist/index.js']);
      expect(config.workdir).toBe(`/app/${service}`);
      expect(['root', '0']).not.toContain(config.user.split(':')[0]);
      const deployment = appDeployments.find((candidate) => serviceName(candidate) === service) as Deployment;
      expect(config.exposed).toEqual(mainContainer(deployment).ports?.map((port) => port.containerPort));
    });
  });

  it('when the prod profile is used, then every artifact builds its last stage and syncs nothing', () => {
    const patches = skaffold.profiles?.find((profile) => profile.name === 'prod')?.patches ?? [];
    const removed = patches.filter((patch) => patch.op === 'remove').map((patch) => patch.path);
    const expected = skaffold.build.artifacts.flatMap((artifact, index) => [
      ...(artifact.docker.target ? [`/build/artifacts/${index}/docker/target`] : []),
      ...(artifact.sync ? [`/build/artifacts/${index}/sync`] : []),
    ]);
    expect(removed.sort()).toEqual(expected.sort());
  });

  it('when the streaming profile is used, then it deploys infra/k8s without the JetStream server, plus infra/k8s-streaming', () => {
    const files = expandRawYaml(streamingProfile?.manifests?.rawYaml ?? []);
    expect(files.sort()).toEqual(
      [...manifestFiles('infra/k8s').filter((file) => file !== 'infra/k8s/nats.yaml'), ...manifestFiles('infra/k8s-streaming')].sort(),
    );
  });
});
