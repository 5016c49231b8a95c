import { loadManifests, manifestFiles, parseManifestFile, toKubernetesObject } from './support/kubernetes-objects';

const files = [...manifestFiles('infra/k8s'), ...manifestFiles('infra/k8s-streaming')];

describe('Kubernetes manifests: schema', () => {
  it('when the manifest folders are listed, then both hold manifests', () => {
    expect(manifestFiles('infra/k8s').length).toBeGreaterThan(0);
    expect(manifestFiles('infra/k8s-streaming').length).toBeGreaterThan(0);
  });

  it.each(files)('when %s is parsed, then every document is a known kind that validates against the Kubernetes schema', (file) => {
    const documents = parseManifestFile(file);
    expect(documents.length).toBeGreaterThan(0);
    for (const data of documents) expect(() => toKubernetesObject(data)).not.toThrow();
  });

  it('when the manifests are loaded, then every object is named and none pins a namespace', () => {
    for (const { file, index, object } of loadManifests(files)) {
      expect({ file, index, name: object.metadata?.name }).toEqual({
        file,
        index,
        name: expect.stringMatching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
      });
      expect({ file, index, namespace: object.metadata?.namespace }).toEqual({ file, index, namespace: undefined });
    }
  });

  it('when the same kind and name appear twice in one folder, then that is reported', () => {
    for (const dir of ['infra/k8s', 'infra/k8s-streaming']) {
      const keys = loadManifests(manifestFiles(dir)).map(({ object }) => `${object.kind}/${object.metadata?.name}`);
      expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    }
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
  });
});
