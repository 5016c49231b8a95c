import fs from 'node:fs';
import path from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, IContainer, IProbe, Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { isWorkload, KubernetesObject, REPO_ROOT, renderShape, SHAPE_NAMES, ShapeName, Workload } from './support/kubernetes-objects';
import {
  appDeployments,
  argValue,
  byName,
  containerPort,
  containersOf,
  envValue,
  envVar,
  hostsOf,
  imageName,
  interpolated,
  mainContainer,
  objectsOf,
  resolveEndpoint,
  selectedWorkloads,
} from './support/workloads';
import { IMAGE_NAMES, SERVICE_NAMES, SERVICES, serviceFacts, WEB_CLIENT } from './support/services';

/** Every deployable shape, rendered with `kubectl kustomize`. */
const shapes = Object.fromEntries(SHAPE_NAMES.map((shape) => [shape, renderShape(shape)])) as Record<ShapeName, KubernetesObject[]>;

/** The services (the web client has no database or broker). */
const serviceDeployments = (set: readonly KubernetesObject[]): Deployment[] =>
  appDeployments(set).filter((deployment) => mainContainer(deployment).image !== WEB_CLIENT.image);

function deploymentOf(set: readonly KubernetesObject[], service: string): { deployment: Deployment; container: IContainer } {
  const deployment = appDeployments(set).find((candidate) => imageName(candidate) === service);
  if (!deployment) throw new Error(`no Deployment runs ticketing/${service}`);
  return { deployment, container: mainContainer(deployment) };
}

/** The repository's top-level folders that build an image (hold a Dockerfile). */
function foldersWithDockerfile(): string[] {
  return fs
    .readdirSync(REPO_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(REPO_ROOT, entry.name, 'Dockerfile')))
    .map((entry) => entry.name)
    .sort();
}

function probePort(workload: Workload, probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  return port === undefined ? undefined : containerPort(workload, port);
}

function loadConfigSpec(service: string): Record<string, object> {
  // ts-jest compiles the service's config (and @ticketing/common from source).
  const module = jest.requireActual<{ configSpec?: Record<string, object> }>(path.join(REPO_ROOT, service, 'src/config.ts'));
  if (!module.configSpec) throw new Error(`${service}/src/config.ts exports no configSpec`);
  return module.configSpec;
}

/** Variables that only feed `$(NAME)` references of later variables of the same container (MONGO_USER into MONGO_URI). */
function interpolationInputs(container: IContainer): string[] {
  return (container.env ?? []).flatMap((variable) => interpolated(variable.value ?? ''));
}

describe('Kubernetes shapes: what runs', () => {
  it('when a folder has a Dockerfile, then it is one of the images the infra tests cover (the services and the client), and each has one', () => {
    expect(foldersWithDockerfile()).toEqual([...IMAGE_NAMES].sort());
  });

  it.each(SHAPE_NAMES)('when the %s shape is rendered, then it runs one Deployment per service and the web client', (shape) => {
    expect(appDeployments(shapes[shape]).map(imageName).sort()).toEqual([...IMAGE_NAMES].sort());
  });
});

describe.each(SERVICE_NAMES)('the %s Deployment and its config', (service) => {
  const spec = loadConfigSpec(service);

  it.each(SHAPE_NAMES)('when the config requires a variable (no default), then the %s shape sets it', (shape) => {
    const { container } = deploymentOf(shapes[shape], service);
    const required = Object.entries(spec)
      .filter(([, entry]) => !('default' in entry))
      .map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    const set = (container.env ?? []).map((variable) => variable.name);
    expect(required.filter((name) => !set.includes(name))).toEqual([]);
  });

  it.each(SHAPE_NAMES)(
    'when the %s shape sets a variable, then the config knows it (no typos), or it only feeds a $(reference)',
    (shape) => {
      const { container } = deploymentOf(shapes[shape], service);
      const inputs = interpolationInputs(container);
      const unknown = (container.env ?? []).map((variable) => variable.name).filter((name) => !(name in spec) && !inputs.includes(name));
      expect(unknown).toEqual([]);
    },
  );

  it.each(SHAPE_NAMES)('when a value refers to $(NAME) in the %s shape, then NAME is defined earlier in the same container', (shape) => {
    const { container } = deploymentOf(shapes[shape], service);
    const names = (container.env ?? []).map((variable) => variable.name);
    (container.env ?? []).forEach((variable, index) => {
      for (const reference of interpolated(variable.value ?? '')) {
        expect({ variable: variable.name, reference, definedBefore: names.slice(0, index).includes(reference) }).toEqual({
          variable: variable.name,
          reference,
          definedBefore: true,
        });
      }
    });
  });

  it('when a variable must stay unset in the cluster, then the config knows it and it is optional', () => {
    for (const name of serviceFacts(service).unsetInCluster) {
      expect({ name, known: name in spec, optional: name in spec && 'default' in spec[name] }).toEqual({
        name,
        known: true,
        optional: true,
      });
    }
  });

  it.each(SHAPE_NAMES)(
    'when it reads Secrets in the %s shape, then exactly its secrets and credentials, each from its own Secret and key',
    (shape) => {
      const { container } = deploymentOf(shapes[shape], service);
      const facts = serviceFacts(service);
      const expected = [...facts.secrets, ...facts.credentials];
      for (const { variable, secret, key } of expected)
        expect({ variable, ref: envVar(container, variable)?.valueFrom?.secretKeyRef }).toEqual({ variable, ref: { name: secret, key } });
      const fromSecrets = (container.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.name);
      expect(fromSecrets.sort()).toEqual(expected.map((entry) => entry.variable).sort());
    },
  );

  it.each(SHAPE_NAMES)('when a variable is meant for local runs only, then the %s shape leaves it unset', (shape) => {
    const { container } = deploymentOf(shapes[shape], service);
    const set = (container.env ?? []).map((variable) => variable.name);
    expect(set.filter((name) => serviceFacts(service).unsetInCluster.includes(name))).toEqual([]);
  });

  it.each(SHAPE_NAMES)(
    'when probed in the %s shape, then readiness asks /readyz and liveness /healthz on the port the service listens on',
    (shape) => {
      const set = shapes[shape];
      const { deployment, container } = deploymentOf(set, service);
      const port = Number(envValue(set, container, 'PORT') ?? 3000);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(probePort(deployment, container.readinessProbe)).toBe(port);
      expect(probePort(deployment, container.livenessProbe)).toBe(port);
      expect(container.ports?.map((entry) => entry.containerPort)).toEqual([port]);
    },
  );

  it.each(SHAPE_NAMES)('when Prometheus looks at the %s shape, then the pod asks to be scraped at /metrics on its own port', (shape) => {
    const set = shapes[shape];
    const { deployment, container } = deploymentOf(set, service);
    expect(deployment.spec?.template.metadata?.annotations).toEqual(
      expect.objectContaining({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': envValue(set, container, 'PORT'),
        'prometheus.io/path': '/metrics',
      }),
    );
  });
});

describe.each(SHAPE_NAMES)('connection strings in the %s shape', (shape) => {
  const set = shapes[shape];
  const apps = serviceDeployments(set);

  it('when a service has MONGO_URI, then it logs in with its Secret and every host reaches its own MongoDB replica set', () => {
    expect(apps.map(imageName).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const deployment of apps) {
      const service = imageName(deployment);
      const { database } = serviceFacts(service);
      const uri = envValue(set, mainContainer(deployment), 'MONGO_URI') ?? '';
      expect({ service, uri }).toEqual({
        service,
        uri: expect.stringMatching(new RegExp(`^mongodb://\\$\\(MONGO_USER\\):\\$\\(MONGO_PASSWORD\\)@[^/]+/${database}\\?`)),
      });
      const replicaSet = new URLSearchParams(uri.split('?')[1] ?? '').get('replicaSet');
      for (const { host, port } of hostsOf(uri)) {
        const endpoint = resolveEndpoint(set, host, port);
        expect({ uri, host, resolves: endpoint !== undefined }).toEqual({ uri, host, resolves: true });
        const mongo = endpoint?.workloads ?? [];
        expect(mongo.map((workload) => workload.metadata?.name)).toEqual([`${service}-mongo`]);
        const mongod = mainContainer(mongo[0]);
        expect(argValue(mongod.args ?? [], '--replSet')).toBe(replicaSet);
        // The database's script creates exactly the user the service logs in as.
        const app = mainContainer(deployment);
        expect(envValue(set, mongod, 'MONGO_APP_DATABASE')).toBe(database);
        expect(envVar(mongod, 'MONGO_APP_USER')?.valueFrom?.secretKeyRef).toEqual(envVar(app, 'MONGO_USER')?.valueFrom?.secretKeyRef);
        expect(envVar(mongod, 'MONGO_APP_PASSWORD')?.valueFrom?.secretKeyRef).toEqual(
          envVar(app, 'MONGO_PASSWORD')?.valueFrom?.secretKeyRef,
        );
      }
    }
  });

  it('when a service uses NATS, then NATS_URL reaches a NATS Service, the transport matches the server, and it logs in as itself', () => {
    const natsApps = apps.filter((deployment) => envVar(mainContainer(deployment), 'NATS_URL'));
    expect(natsApps.map(imageName).sort()).toEqual(
      SERVICES.filter((service) => service.usesNats)
        .map((service) => service.name)
        .sort(),
    );
    for (const deployment of natsApps) {
      const container = mainContainer(deployment);
      const uri = envValue(set, container, 'NATS_URL') ?? '';
      const transport = envValue(set, container, 'NATS_TRANSPORT');
      expect(envValue(set, container, 'NATS_USER')).toBe(imageName(deployment));
      for (const { host, port } of hostsOf(uri)) {
        const endpoint = resolveEndpoint(set, host, port);
        expect({ uri, resolves: endpoint !== undefined }).toEqual({ uri, resolves: true });
        const server = mainContainer(endpoint?.workloads[0] as Workload);
        if (transport === 'streaming') {
          expect(server.image).toMatch(/^nats-streaming:/);
          expect(argValue(server.args ?? [], '-cid')).toBe(envValue(set, container, 'NATS_CLUSTER_ID'));
        } else {
          expect(server.image).toMatch(/^nats:/);
          // The server reads this service's password from the same Secret key.
          const passwordRef = envVar(container, 'NATS_PASSWORD')?.valueFrom?.secretKeyRef;
          const serverRefs = (server.env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef ?? []);
          expect(serverRefs).toContainEqual(passwordRef);
        }
      }
    }
  });

  it('when a Service selects pods, then a workload has those labels and every targetPort is a container port', () => {
    for (const service of objectsOf(set, Service)) {
      const workloads = selectedWorkloads(set, service);
      expect({ service: service.metadata?.name, workloads: workloads.length }).toEqual({ service: service.metadata?.name, workloads: 1 });
      for (const port of service.spec?.ports ?? []) {
        const target = containerPort(workloads[0], port.targetPort ?? port.port);
        expect({ service: service.metadata?.name, port: port.port, target }).toEqual({
          service: service.metadata?.name,
          port: port.port,
          target: expect.any(Number),
        });
      }
    }
  });

  it('when a workload selects its pods, then its template carries those labels', () => {
    for (const workload of set.filter(isWorkload)) {
      const selector = workload.spec?.selector.matchLabels ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(workload.spec?.template.metadata?.labels).toEqual(expect.objectContaining(selector));
    }
  });

  it('when a StatefulSet names its governing Service, then that Service is headless, publishes members before they are ready, and selects it', () => {
    for (const statefulSet of objectsOf(set, StatefulSet)) {
      const service = byName(objectsOf(set, Service), statefulSet.spec?.serviceName ?? '');
      expect({ statefulSet: statefulSet.metadata?.name, clusterIP: service?.spec?.clusterIP }).toEqual({
        statefulSet: statefulSet.metadata?.name,
        clusterIP: 'None',
      });
      expect(selectedWorkloads(set, service as Service)).toEqual([statefulSet]);
      if (statefulSet.spec?.template.metadata?.labels?.app !== 'nats-streaming') expect(service?.spec?.publishNotReadyAddresses).toBe(true);
    }
  });

  it('when the ingress routes ticketing.dev, then each API prefix reaches the Service that owns it, / the web client, and /metrics no service', () => {
    const ingresses = objectsOf(set, Ingress);
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
      const service = byName(objectsOf(set, Service), backend?.name ?? '');
      const exposed = service?.spec?.ports?.some(
        (port) => port.port === backend?.port?.number || (port.name !== undefined && port.name === backend?.port?.name),
      );
      expect({ path: entry.path, service: backend?.name, exposed }).toEqual({ path: entry.path, service: backend?.name, exposed: true });
      expect(selectedWorkloads(set, service as Service).map(imageName)).toEqual([owners[entry.path ?? '']]);
    }
    // /metrics (and /api/.../metrics) is matched by / at most: the web client, never a service's port.
    const metricsOwners = paths.filter((entry) => '/metrics'.startsWith(entry.path ?? '')).map((entry) => owners[entry.path ?? '']);
    expect(metricsOwners).toEqual([WEB_CLIENT.name]);
  });

  it('when any container runs, then it has CPU and memory requests and limits', () => {
    for (const workload of set.filter(isWorkload)) {
      for (const container of containersOf(workload)) {
        const where = `${workload.metadata?.name}/${container.name}`;
        expect({
          where,
          requests: Object.keys(container.resources?.requests ?? {}).sort(),
          limits: Object.keys(container.resources?.limits ?? {}).sort(),
        }).toEqual({ where, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
      }
    }
  });

  it('when a third-party image is used, then it is pinned to a version tag', () => {
    const images = set.filter(isWorkload).flatMap((workload) => containersOf(workload).map((container) => container.image ?? ''));
    expect(images.filter((image) => !image.startsWith('ticketing/') && !/:[\w.-]+$/.test(image.replace(/:latest$/, '')))).toEqual([]);
  });

  it('when a pod mounts a ConfigMap, then the ConfigMap is in the same shape', () => {
    const configMaps = objectsOf(set, ConfigMap).map((configMap) => configMap.metadata?.name);
    for (const workload of set.filter(isWorkload)) {
      for (const volume of workload.spec?.template.spec?.volumes ?? []) {
        if (volume.configMap) expect(configMaps).toContain(volume.configMap.name);
      }
    }
  });
});

describe('the dev shape', () => {
  it('when deployed, then every service and the web client run one replica, as do NATS and each MongoDB', () => {
    const set = shapes.dev;
    expect(appDeployments(set).map((deployment) => [imageName(deployment), deployment.spec?.replicas])).toEqual(
      appDeployments(set).map((deployment) => [imageName(deployment), 1]),
    );
    for (const statefulSet of objectsOf(set, StatefulSet))
      expect([statefulSet.metadata?.name, statefulSet.spec?.replicas]).toEqual([statefulSet.metadata?.name, 1]);
  });
});
