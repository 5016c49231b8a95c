import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, renderShape, SHAPES } from './support/kubernetes-objects';
import { globBase, loadSkaffoldConfig, SkaffoldConfig, withProfiles } from './support/skaffold-config';
import { findStage, parseDockerfile, Stage, stageConfig } from './support/dockerfile-interpreter';
import { appDeployments, imageName, mainContainer } from './support/workloads';
import { IMAGE_NAMES, WEB_CLIENT } from './support/services';

const skaffold = loadSkaffoldConfig();
const configs: Record<string, SkaffoldConfig> = {
  default: withProfiles(skaffold, []),
  dev: withProfiles(skaffold, ['dev']),
  streaming: withProfiles(skaffold, ['streaming']),
};

const dockerfileStages = (dockerfile: string): Stage[] => parseDockerfile(fs.readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'));

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

describe('skaffold.yaml', () => {
  it('when read, then it is a current v4 config that builds locally without pushing and deploys with kubectl', () => {
    expect(skaffold.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    expect(skaffold.kind).toBe('Config');
    expect(skaffold.build.local?.push).toBe(false);
    expect(skaffold.deploy.kubectl).toEqual({});
  });

  it('when a profile is chosen, then it renders its overlay: prod by default, dev with -p dev, dev with NATS Streaming with -p streaming', () => {
    expect(configs.default.manifests).toEqual({ kustomize: { paths: [SHAPES.prod] } });
    expect(configs.dev.manifests).toEqual({ kustomize: { paths: [SHAPES.dev] } });
    expect(configs.streaming.manifests).toEqual({ kustomize: { paths: [SHAPES.streaming] } });
  });

  it.each(Object.keys(configs))('when the %s profile builds, then its artifacts are exactly the images its overlay runs', (name) => {
    const shape = configs[name].manifests.kustomize?.paths[0] ?? '';
    const images = appDeployments(renderShape(shape)).map((deployment) => mainContainer(deployment).image);
    expect(configs[name].build.artifacts.map((artifact) => artifact.image).sort()).toEqual([...new Set(images)].sort());
    expect(configs[name].build.artifacts.map((artifact) => artifact.image).sort()).toEqual(
      IMAGE_NAMES.map((image) => `ticketing/${image}`).sort(),
    );
  });

  it("when the default profile builds, then every artifact builds its Dockerfile's last stage (production) from the repo root and syncs nothing", () => {
    for (const artifact of configs.default.build.artifacts) {
      expect({ image: artifact.image, context: artifact.context, target: artifact.docker.target, sync: artifact.sync }).toEqual({
        image: artifact.image,
        context: '.',
        target: undefined,
        sync: undefined,
      });
      expect(artifact.docker.dockerfile).toBe(`${artifact.image.replace(/^ticketing\//, '')}/Dockerfile`);
    }
  });

  describe.each(['dev', 'streaming'])('the %s profile', (name) => {
    const serviceArtifacts = configs[name].build.artifacts.filter((artifact) => artifact.image !== WEB_CLIENT.image);

    it('when it builds, then each service builds the dev stage and syncs its TypeScript sources to where that stage keeps them', () => {
      expect(serviceArtifacts.length).toBe(IMAGE_NAMES.length - 1);
      for (const artifact of serviceArtifacts) {
        expect([artifact.image, artifact.docker.target]).toEqual([artifact.image, 'dev']);
        const stages = dockerfileStages(artifact.docker.dockerfile);
        const workdir = stageConfig(stages, 'dev').workdir;
        const copies = copiedDirectories(stages, 'dev');
        const rules = artifact.sync?.manual ?? [];
        expect(rules.length).toBeGreaterThan(0);
        for (const rule of rules) {
          const base = globBase(rule.src);
          expect(fs.statSync(path.join(REPO_ROOT, base)).isDirectory()).toBe(true);
          expect(base.startsWith(rule.strip ?? '')).toBe(true);
          const syncedTo = path.posix.resolve(workdir, rule.dest, base.slice((rule.strip ?? '').length));
          expect({ source: base, syncedTo }).toEqual({ source: base, syncedTo: copies.get(base) });
        }
      }
    });

    it('when the dev images run, then /app is writable (an emptyDir filled from the image), since tsc -w and the sync write there', () => {
      const set = renderShape(configs[name].manifests.kustomize?.paths[0] ?? '');
      for (const deployment of appDeployments(set).filter((candidate) => imageName(candidate) !== WEB_CLIENT.name)) {
        const pod = deployment.spec?.template.spec;
        const appMount = mainContainer(deployment).volumeMounts?.find((mount) => mount.mountPath === '/app');
        expect(pod?.volumes?.find((volume) => volume.name === appMount?.name)?.emptyDir).toBeDefined();
        const filler = pod?.initContainers?.find((container) => container.image === mainContainer(deployment).image);
        expect(filler?.command?.join(' ')).toMatch(/cp -a \/app\/\. /);
      }
    });
  });

  it('when a service artifact builds its production stage, then it runs node dist/index.js as a non-root user from the service folder, exposing the container port', () => {
    const set = renderShape('prod');
    for (const artifact of configs.default.build.artifacts.filter((candidate) => candidate.image !== WEB_CLIENT.image)) {
      const service = artifact.image.replace(/^ticketing\//, '');
      const config = stageConfig(dockerfileStages(artifact.docker.dockerfile));
      expect(config.cmd).toEqual(['node', 'dist/index.js']);
      expect(config.workdir).toBe(`/app/${service}`);
      expect(['root', '0']).not.toContain(config.user.split(':')[0]);
      const deployment = appDeployments(set).find((candidate) => imageName(candidate) === service);
      expect(config.exposed).toEqual(deployment ? mainContainer(deployment).ports?.map((port) => port.containerPort) : undefined);
    }
  });
});
