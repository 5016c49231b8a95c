/**
 * The MongoDB StatefulSets' readiness probe initiates the replica set (infra/k8s/mongo-rs-scripts.yaml).
 * mongosh cannot run here, so the script runs against a stand-in `mongosh` that evaluates its --eval
 * code with mongosh's globals stubbed as mongosh behaves: `rs.status()` throws a server error with
 * codeName NotYetInitialized on a fresh member, `rs.initiate(config)` stores the config, `db.hello()`
 * reports `isWritablePrimary`, `quit(code)` exits, and an uncaught error exits non-zero.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1';
import { loadManifests } from './support/kubernetes-objects';
import { runCommand } from './support/dockerfile-interpreter';

const FAKE_MONGOSH = `#!/usr/bin/env node
const fs = require('node:fs');
const vm = require('node:vm');
const args = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(process.env.FAKE_MONGO_STATE, 'utf8'));
const save = () => fs.writeFileSync(process.env.FAKE_MONGO_STATE, JSON.stringify(state));
state.argv = args;
class Quit extends Error { constructor(code) { super('quit'); this.code = code; } }
const serverError = (codeName, message) => Object.assign(new Error(message), { name: 'MongoServerError', codeName });
const rs = {
  status() {
    if (!state.config) throw serverError('NotYetInitialized', 'no replset config has been received');
    return { ok: 1, set: state.config._id };
  },
  initiate(config) {
    state.initiateCalls = (state.initiateCalls || 0) + 1;
    if (state.config) throw serverError('AlreadyInitialized', 'already initialized');
    state.config = config;
    state.primary = state.becomesPrimaryAtOnce;
    return { ok: 1 };
  },
};
const db = { hello: () => ({ isWritablePrimary: Boolean(state.config && state.primary) }) };
const quit = (code) => { throw new Quit(code === undefined ? 0 : code); };
let exitCode = 0;
try {
  vm.runInNewContext(args[args.indexOf('--eval') + 1], { rs, db, quit, process: { env: process.env } });
} catch (error) {
  exitCode = error instanceof Quit ? error.code : 1;
}
save();
process.exit(exitCode);
`;

interface FakeState {
  config?: { _id: string; members: Array<{ _id: number; host: string }> };
  primary?: boolean;
  becomesPrimaryAtOnce?: boolean;
  initiateCalls?: number;
  argv?: string[];
}

const configMap = loadManifests(['infra/k8s/mongo-rs-scripts.yaml'])
  .map(({ object }) => object)
  .find((object): object is ConfigMap => object instanceof ConfigMap);
const script = configMap?.data?.['rs-ready.sh'] ?? '';

describe('the MongoDB replica set readiness script', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-ready-'));
    fs.writeFileSync(path.join(dir, 'mongosh'), FAKE_MONGOSH, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'rs-ready.sh'), script, { mode: 0o755 });
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function probe(state: FakeState): Promise<{ code: number | null; state: FakeState }> {
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify(state));
    const result = await runCommand(['/bin/sh', path.join(dir, 'rs-ready.sh')], {
      cwd: dir,
      env: {
        PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
        FAKE_MONGO_STATE: stateFile,
        RS_NAME: 'rs0',
        RS_MEMBER_HOST: 'auth-mongo-0.auth-mongo-srv:27017',
      },
      timeoutMs: 20_000,
    });
    return { code: result.code, state: JSON.parse(fs.readFileSync(stateFile, 'utf8')) as FakeState };
  }

  it('when the script is read, then it is a shell script that runs mongosh against the local mongod', () => {
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toMatch(/mongosh --quiet --norc --host 127\.0\.0\.1 --port 27017 --eval '/);
  });

  it('when the member is fresh, then it initiates the set with its name and the pod DNS name, and is not ready until primary', async () => {
    const { code, state } = await probe({});
    expect(state.config).toEqual({ _id: 'rs0', members: [{ _id: 0, host: 'auth-mongo-0.auth-mongo-srv:27017' }] });
    expect(code).toBe(1);
    expect(state.argv).toEqual(['--quiet', '--norc', '--host', '127.0.0.1', '--port', '27017', '--eval', expect.any(String)]);
  }, 30_000);

  it('when the member becomes primary right after initiation, then the same probe reports ready', async () => {
    const { code, state } = await probe({ becomesPrimaryAtOnce: true });
    expect(state.initiateCalls).toBe(1);
    expect(code).toBe(0);
  }, 30_000);

  it('when the set exists and the member is primary, then it reports ready without initiating again', async () => {
    const config = { _id: 'rs0', members: [{ _id: 0, host: 'auth-mongo-0.auth-mongo-srv:27017' }] };
    const { code, state } = await probe({ config, primary: true });
    expect(state.initiateCalls).toBeUndefined();
    expect(state.config).toEqual(config);
    expect(code).toBe(0);
  }, 30_000);

  it('when the set exists but the member is not primary yet, then it reports not ready and changes nothing', async () => {
    const config = { _id: 'rs0', members: [{ _id: 0, host: 'auth-mongo-0.auth-mongo-srv:27017' }] };
    const { code, state } = await probe({ config, primary: false });
    expect(state.initiateCalls).toBeUndefined();
    expect(code).toBe(1);
  }, 30_000);
});
