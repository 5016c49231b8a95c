// The web client's image, manifests and skaffold artifact, checked without Docker: the nginx stage
// serves the Vite build on the Deployment's port with an index.html fallback, and the build stage's
// context (after .dockerignore) holds everything `vite build` needs — replayed here for real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { copyBuildContext, parseDockerfile, stageConfig, type Stage, type Step } from './support/dockerfile-interpreter';
import { REPO_ROOT, renderShape, SHAPE_NAMES } from './support/kubernetes-objects';
import { loadSkaffoldConfig } from './support/skaffold-config';
import { WEB_CLIENT } from './support/services';

const skaffold = loadSkaffoldConfig();
// What `skaffold run` deploys; the other shapes run the same client Deployment (checked below).
const objects = renderShape('prod');
const deployment = objects.find(
  (object): object is Deployment => object instanceof Deployment && object.spec?.template.spec?.containers[0]?.image === WEB_CLIENT.image,
);
const container = deployment?.spec?.template.spec?.containers[0];
const port = container?.ports?.[0]?.containerPort;
const dockerfile = 'client/Dockerfile';
const stages: Stage[] = parseDockerfile(fs.readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'));
const runtime = stages[stages.length - 1];
const build = stages.find((stage) => stage.name === 'build');
const nginxConf = fs.readFileSync(path.join(REPO_ROOT, 'client/nginx.conf'), 'utf8');

const copies = (stage: Stage | undefined): Array<Extract<Step, { kind: 'COPY' }>> =>
  (stage?.steps ?? []).filter((step): step is Extract<Step, { kind: 'COPY' }> => step.kind === 'COPY');

describe('the web client on Kubernetes', () => {
  it('when skaffold builds it, then the artifact is client/Dockerfile from the repo root, its last stage, with nothing to sync', () => {
    const artifact = skaffold.build.artifacts.find((candidate) => candidate.image === WEB_CLIENT.image);
    expect(artifact).toEqual({ image: WEB_CLIENT.image, context: '.', docker: { dockerfile } });
  });

  it('when deployed, then it serves the container port, probed on /healthz, with no variables and no secrets, in every shape', () => {
    expect(port).toBe(WEB_CLIENT.port);
    for (const shape of SHAPE_NAMES) {
      const other = renderShape(shape).find(
        (object): object is Deployment =>
          object instanceof Deployment && object.spec?.template.spec?.containers[0]?.image === WEB_CLIENT.image,
      );
      expect(other?.spec?.template.spec?.containers[0]?.ports).toEqual(container?.ports);
      expect(other?.spec?.template.spec?.containers[0]?.env).toBeUndefined();
    }
    expect(container?.env ?? []).toEqual([]);
    for (const probe of [container?.readinessProbe, container?.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/healthz');
      expect(probe?.httpGet?.port).toBe(container?.ports?.[0]?.name);
    }
  });

  it('when the ingress routes /, then its Service reaches the client port', () => {
    const ingress = objects.find((object): object is Ingress => object instanceof Ingress);
    const root = ingress?.spec?.rules?.[0].http?.paths.find((entry) => entry.path === WEB_CLIENT.routePrefix);
    const service = objects.find(
      (object): object is Service => object instanceof Service && object.metadata?.name === root?.backend.service?.name,
    );
    expect(service?.spec?.selector).toEqual(deployment?.spec?.template.metadata?.labels);
    const servicePort = service?.spec?.ports?.find((entry) => entry.port === root?.backend.service?.port?.number);
    expect(servicePort?.targetPort).toBe(container?.ports?.[0]?.name);
  });

  it('when the image runs, then it is pinned unprivileged nginx exposing the Deployment port as the uid the Deployment runs', () => {
    expect(runtime.from).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+[\w.-]*$/);
    const config = stageConfig(stages);
    expect(config.exposed).toEqual([port]);
    expect(config.user).toBe(String(deployment?.spec?.template.spec?.securityContext?.runAsUser));
    expect(copies(runtime)).toEqual([
      { kind: 'COPY', sources: ['client/nginx.conf'], dest: '/etc/nginx/conf.d/default.conf' },
      { kind: 'COPY', from: 'build', sources: ['/app/client/dist'], dest: '/usr/share/nginx/html' },
    ]);
  });

  it('when nginx serves, then it listens on that port with the build as root, /healthz, cached assets and the index.html fallback', () => {
    expect(nginxConf).toMatch(new RegExp(`listen\\s+${port};`));
    expect(nginxConf).toMatch(/root\s+\/usr\/share\/nginx\/html;/);
    expect(nginxConf).toMatch(/location = \/healthz \{[^}]*return 200/);
    expect(nginxConf).toMatch(/location \/assets\/ \{[^}]*immutable[^}]*try_files \$uri =404;/);
    expect(nginxConf).toMatch(/location \/ \{[^}]*try_files \$uri \/index\.html;/);
  });

  it('when the build stage runs on the build context (.dockerignore applied), then vite builds index.html and its assets', () => {
    const context = fs.mkdtempSync(path.join(os.tmpdir(), 'client-image-'));
    try {
      copyBuildContext(REPO_ROOT, context);
      for (const { sources } of copies(build))
        for (const source of sources)
          expect({ source, inContext: fs.existsSync(path.join(context, source)) }).toEqual({ source, inContext: true });
      // npm ci stands in as links to this checkout's installed packages.
      fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(context, 'node_modules'), 'dir');
      if (fs.existsSync(path.join(REPO_ROOT, 'client/node_modules')))
        fs.symlinkSync(path.join(REPO_ROOT, 'client/node_modules'), path.join(context, 'client/node_modules'), 'dir');
      const run = build?.steps.find(
        (step): step is Extract<Step, { kind: 'RUN' }> => step.kind === 'RUN' && step.command.includes('build'),
      );
      expect(run?.command).toBe('npm run build -w client');
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: path.join(context, 'client') });
      const html = fs.readFileSync(path.join(context, 'client/dist/index.html'), 'utf8');
      const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) expect(fs.existsSync(path.join(context, 'client/dist', asset))).toBe(true);
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  }, 120_000);
});
