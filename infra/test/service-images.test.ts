/**
 * Builds each service image's stages without Docker (see support/dockerfile-interpreter.ts), then starts
 * the production stage against a test MongoDB and checks what is inside it; and starts the dev stage to
 * check that a synced source file reaches the running server. One service at a time: each replay runs
 * `npm ci` twice in temporary folders.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { freeTcpPort, mongoUriWithDatabase, NatsServerHandle, startMongo, startNats, uniqueDatabaseName } from '@ticketing/testkit';
import { Replay, replayDockerfile, StartedContainer, startContainer } from './support/dockerfile-interpreter';
import { renderShape, REPO_ROOT } from './support/kubernetes-objects';
import { installedPackages, productionClosure, readLockfile } from './support/production-closure';
import { SERVICE_NAMES, serviceFacts } from './support/services';

/** Every service's image is replayed (each needs a working service: it must answer /healthz). */
const IMAGE_SERVICES = SERVICE_NAMES;

const REPLAY_TIMEOUT_MS = 240_000;

/** The variable names the service's Deployment sets (dev shape): the image gets the same ones. */
function deploymentEnvNames(service: string): string[] {
  const deployment = renderShape('dev').find(
    (object): object is Deployment =>
      object instanceof Deployment && object.spec?.template.spec?.containers[0]?.image === `ticketing/${service}`,
  );
  return (deployment?.spec?.template.spec?.containers[0]?.env ?? []).map((variable) => variable.name);
}

/** Polls until `url` answers 200 (returns 200), the process exits, or time runs out (returns the last status). */
async function waitForOk(url: string, container: StartedContainer, timeoutMs: number): Promise<number | string> {
  const deadline = Date.now() + timeoutMs;
  let last: number | string = 'no answer';
  while (Date.now() < deadline) {
    if (container.child.exitCode !== null || container.child.signalCode !== null)
      return `exited (${container.child.exitCode ?? container.child.signalCode})`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = response.status;
      if (last === 200) return last;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

async function waitForOutput(container: StartedContainer, text: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (container.output().includes(text)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

describe.each(IMAGE_SERVICES)('the %s image, built from its Dockerfile without Docker', (service) => {
  let replay: Replay | undefined;
  let mongo: Awaited<ReturnType<typeof startMongo>> | undefined;
  let nats: NatsServerHandle | undefined;
  const containers: StartedContainer[] = [];
  const envNames = deploymentEnvNames(service);

  let unreachable = 0;

  const serviceEnv = (port: number): Record<string, string> => ({
    PORT: String(port),
    MONGO_URI: mongoUriWithDatabase(mongo?.uri ?? '', uniqueDatabaseName(service)),
    // JWT_KEY, and whatever else the Deployment takes from a Secret, e.g. STRIPE_SECRET_KEY.
    ...Object.fromEntries(serviceFacts(service).secrets.map((secret) => [secret.variable, secret.testValue()])),
    LOG_LEVEL: 'warn',
    // Where sessions are checked (auth-srv in the cluster): /healthz does not need it.
    ...(envNames.includes('AUTH_URL') ? { AUTH_URL: `http://127.0.0.1:${unreachable}` } : {}),
    // A local-only setting (STRIPE_API_URL) points at a closed local port: the image must answer /healthz
    // without its external API, and the test must not reach the internet.
    ...Object.fromEntries(serviceFacts(service).unsetInCluster.map((name) => [name, `http://127.0.0.1:${unreachable}`])),
    ...(nats
      ? {
          NATS_TRANSPORT: 'jetstream',
          NATS_URL: nats.url,
          NATS_CLUSTER_ID: 'ticketing',
          NATS_CLIENT_ID: `${service}-${randomUUID().slice(0, 8)}`,
        }
      : {}),
  });

  beforeAll(async () => {
    unreachable = await freeTcpPort();
    mongo = await startMongo();
    if (envNames.includes('NATS_URL')) nats = await startNats();
    replay = await replayDockerfile({
      dockerfile: path.join(REPO_ROOT, service, 'Dockerfile'),
      context: REPO_ROOT,
      targets: ['runtime', 'dev'],
      runEnv: { npm_config_prefer_offline: 'true' },
      runTimeoutMs: REPLAY_TIMEOUT_MS,
    });
  }, REPLAY_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    for (const container of containers) await container.stop();
    await mongo?.stop();
    await nats?.stop();
    replay?.cleanup();
  }, 60_000);

  it('when the production stage starts with MONGO_URI and JWT_KEY, then GET /healthz answers 200', async () => {
    const runtime = replay?.stage('runtime');
    if (!runtime) throw new Error('not replayed');
    const port = await freeTcpPort();
    const container = startContainer(runtime, serviceEnv(port));
    containers.push(container);
    const status = await waitForOk(`http://127.0.0.1:${port}/healthz`, container, 45_000);
    expect({ status, output: status === 200 ? '' : container.output() }).toEqual({ status: 200, output: '' });
  }, 60_000);

  it('when the production stage is inspected, then node_modules holds exactly the production dependencies of the service and common', () => {
    const runtime = replay?.stage('runtime');
    if (!runtime) throw new Error('not replayed');
    const lock = readLockfile(path.join(REPO_ROOT, 'package-lock.json'));
    const closure = productionClosure(lock, [service, 'common']);
    const installed = installedPackages(runtime.hostPath('/app'), ['', service, 'common']);
    expect(installed.filter((location) => !closure.has(location))).toEqual([]);
    expect(installed).toEqual(expect.arrayContaining(['node_modules/express', 'node_modules/mongoose', 'node_modules/@ticketing/common']));
    const rootManifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    // The root's build and test tools: those only development needs (`dev` in the lockfile). A root
    // devDependency that a production package also uses (@types/node, an optional peer of stripe) may be there.
    const devDependencies = Object.keys(rootManifest.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev);
    expect(devDependencies).toEqual(expect.arrayContaining(['jest', 'typescript', 'ts-jest', 'eslint']));
    expect(installed.filter((location) => devDependencies.some((name) => location.endsWith(`node_modules/${name}`)))).toEqual([]);
    expect(installed.filter((location) => lock.packages[location]?.dev)).toEqual([]);
    expect(installed.filter((location) => /@ticketing\/(testkit|infra)$/.test(location))).toEqual([]);
  });

  it('when the production stage is inspected, then it holds compiled JavaScript and package manifests, not TypeScript sources', () => {
    const runtime = replay?.stage('runtime');
    if (!runtime) throw new Error('not replayed');
    for (const workspace of [service, 'common']) {
      expect(
        fs
          .readdirSync(runtime.hostPath(`/app/${workspace}`))
          .filter((name) => name !== 'node_modules')
          .sort(),
      ).toEqual(['dist', 'package.json']);
    }
    expect(fs.existsSync(runtime.hostPath(`/app/${service}/dist/index.js`))).toBe(true);
    expect(fs.realpathSync(runtime.hostPath('/app/node_modules/@ticketing/common'))).toBe(fs.realpathSync(runtime.hostPath('/app/common')));
  });

  it('when a source file is synced into the dev stage (as skaffold sync does), then tsc recompiles it and the restarted server runs it', async () => {
    const dev = replay?.stage('dev');
    if (!dev) throw new Error('not replayed');
    const port = await freeTcpPort();
    const container = startContainer(dev, serviceEnv(port));
    containers.push(container);
    const before = await waitForOk(`http://127.0.0.1:${port}/healthz`, container, 45_000);
    expect({ before, output: before === 200 ? '' : container.output() }).toEqual({ before: 200, output: '' });

    // skaffold copies the changed file to the same path under the image's WORKDIR (strip + dest).
    const marker = `synced-${randomUUID()}`;
    const entry = dev.hostPath(`${dev.config.workdir}/src/index.ts`);
    fs.appendFileSync(entry, `\nprocess.stdout.write('${marker}\\n');\n`);

    expect(await waitForOutput(container, marker, 60_000)).toBe(true);
    const after = await waitForOk(`http://127.0.0.1:${port}/healthz`, container, 30_000);
    expect({ after, output: after === 200 ? '' : container.output() }).toEqual({ after: 200, output: '' });
  }, 150_000);
});
