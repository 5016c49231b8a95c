import {
  parseManifestFile,
  renderKustomization,
  SHAPE_NAMES,
  SHAPES,
  toKubernetesObject,
  yamlFilesUnder,
} from './support/kubernetes-objects';

const sourceFiles = [...yamlFilesUnder('infra/k8s'), ...yamlFilesUnder('infra/k8s-streaming')];

describe('Kubernetes manifests: schema', () => {
  it('when the manifest folders are listed, then the base, both overlays and the streaming component are there', () => {
    for (const file of [
      'infra/k8s/base/kustomization.yaml',
      'infra/k8s/overlays/dev/kustomization.yaml',
      'infra/k8s/overlays/prod/kustomization.yaml',
      'infra/k8s-streaming/kustomization.yaml',
    ])
      expect(sourceFiles).toContain(file);
  });

  it.each(sourceFiles)('when %s is parsed, then it is valid YAML', (file) => {
    expect(parseManifestFile(file).length).toBeGreaterThan(0);
  });

  describe.each(SHAPE_NAMES)('the %s shape, rendered with kubectl kustomize', (shape) => {
    const documents = renderKustomization(SHAPES[shape]);

    it('when rendered, then every object is a known kind that validates against the Kubernetes schema', () => {
      expect(documents.length).toBeGreaterThan(0);
      for (const data of documents) expect(() => toKubernetesObject(data)).not.toThrow();
    });

    it('when rendered, then every object is named, none pins a namespace, and no kind and name appear twice', () => {
      const objects = documents.map((data) => toKubernetesObject(data));
      for (const object of objects) {
        expect({ kind: object.kind, name: object.metadata?.name }).toEqual({
          kind: object.kind,
          name: expect.stringMatching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
        });
        expect({ name: object.metadata?.name, namespace: object.metadata?.namespace }).toEqual({
          name: object.metadata?.name,
          namespace: undefined,
        });
      }
      const keys = objects.map((object) => `${object.kind}/${object.metadata?.name}`);
      expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    });
  });

  describe('the validator itself', () => {
    it('when a document has an unknown kind, then it is rejected', () => {
      expect(() => toKubernetesObject({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(/unknown apiVersion\/kind/);
    });

    it('when a Deployment has an invalid resource quantity, then it is rejected', () => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: {
          selector: { matchLabels: { app: 'd' } },
          template: {
            metadata: { labels: { app: 'd' } },
            spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 'lots' } } }] },
          },
        },
      };
      expect(() => toKubernetesObject(deployment)).toThrow(/quantity/);
    });

    it('when a container misses its name, then it is rejected', () => {
      const pod = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 's' },
        spec: { selector: {}, serviceName: 's', template: { spec: { containers: [{ image: 'i' }] } } },
      };
      expect(() => toKubernetesObject(pod)).toThrow(/name/);
    });

    it('when a NetworkPolicy has an unknown policy type shape, then it is rejected', () => {
      const policy = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p' },
        spec: { podSelector: {}, policyTypes: 'Ingress' },
      };
      expect(() => toKubernetesObject(policy)).toThrow();
    });
  });
});
