/**
 * The MongoDB StatefulSets' readiness probe initiates the replica set and creates its users
 * (infra/k8s/base/mongo-rs-scripts.yaml). mongosh cannot run here, so the script runs against a stand-in
 * `mongosh` that evaluates its --eval code with mongosh's globals stubbed as mongod behaves under --auth:
 * `rs.status()` throws NotYetInitialized on a fresh member and Unauthorized once users exist and the
 * client has not logged in; `db.getSiblingDB(name).auth()` throws AuthenticationFailed for an unknown user
 * or a wrong password; `createUser` is allowed without login only while no user exists (the localhost
 * exception), otherwise only to a logged-in administrator, and only on the primary; `db.hello()` reports
 * `isWritablePrimary` and `secondary`; `quit(code)` exits; an uncaught error exits non-zero.
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
state.users = state.users || {};
const save = () => fs.writeFileSync(process.env.FAKE_MONGO_STATE, JSON.stringify(state));
state.argv = args;
class Quit extends Error { constructor(code) { super('quit'); this.code = code; } }
const serverError = (codeName, message) => Object.assign(new Error(message), { name: 'MongoServerError', codeName });
const anyUser = () => Object.keys(state.users).length > 0;
let loggedIn;
const requireLogin = () => { if (anyUser() && !loggedIn) throw serverError('Unauthorized', 'command requires authentication'); };
const rs = {
  status() {
    requireLogin();
    if (!state.config) throw serverError('NotYetInitialized', 'no replset config has been received');
    return { ok: 1, set: state.config._id };
  },
  initiate(config) {
    requireLogin();
    state.initiateCalls = (state.initiateCalls || 0) + 1;
    if (state.config) throw serverError('AlreadyInitialized', 'already initialized');
    state.config = config;
    state.role = state.roleAfterInitiate || 'startup';
    return { ok: 1 };
  },
};
const database = (name) => ({
  auth(user, pwd) {
    const found = state.users[name + '.' + user];
    if (!found || found.pwd !== pwd) throw serverError('AuthenticationFailed', 'Authentication failed.');
    loggedIn = found;
    return { ok: 1 };
  },
  getUser(user) {
    requireLogin();
    const found = state.users[name + '.' + user];
    return found ? { user, db: name, roles: found.roles } : null;
  },
  createUser(spec) {
    if (anyUser() && !(loggedIn && loggedIn.db === 'admin')) throw serverError('Unauthorized', 'not authorized to create users');
    if (!anyUser() && name !== 'admin') throw serverError('Unauthorized', 'the localhost exception allows only an admin user');
    if (state.role !== 'primary') throw serverError('NotWritablePrimary', 'not primary');
    const key = name + '.' + spec.user;
    if (state.users[key]) throw serverError('Location51003', 'User already exists');
    state.users[key] = { db: name, pwd: spec.pwd, roles: spec.roles };
    state.createUserCalls = (state.createUserCalls || 0) + 1;
    return { ok: 1 };
  },
});
const db = {
  getSiblingDB: database,
  hello: () => ({ isWritablePrimary: Boolean(state.config && state.role === 'primary'), secondary: Boolean(state.config && state.role === 'secondary') }),
};
const quit = (code) => { throw new Quit(code === undefined ? 0 : code); };
let exitCode = 0;
try {
  vm.runInNewContext(args[args.indexOf('--eval') + 1], { rs, db, quit, process: { env: process.env } });
} catch (error) {
  exitCode = error instanceof Quit ? error.code : 1;
  if (!(error instanceof Quit)) state.error = error.codeName || error.message;
}
save();
process.exit(exitCode);
`;

interface FakeUser {
  db: string;
  pwd: string;
  roles: Array<{ role: string; db: string }>;
}

interface FakeState {
  config?: { _id: string; members: Array<{ _id: number; host: string }> };
  role?: 'startup' | 'primary' | 'secondary';
  roleAfterInitiate?: 'primary' | 'secondary';
  users?: Record<string, FakeUser>;
  initiateCalls?: number;
  createUserCalls?: number;
  error?: string;
  argv?: string[];
}

const configMap = loadManifests(['infra/k8s/base/mongo-rs-scripts.yaml'])
  .map(({ object }) => object)
  .find((object): object is ConfigMap => object instanceof ConfigMap);
const script = configMap?.data?.['rs-ready.sh'] ?? '';

const MEMBER_0 = 'tickets-mongo-0.tickets-mongo-srv:27017';
const THREE = [MEMBER_0, 'tickets-mongo-1.tickets-mongo-srv:27017', 'tickets-mongo-2.tickets-mongo-srv:27017'];
const ADMIN: FakeUser = {
  db: 'admin',
  pwd: 'admin-secret',
  roles: [
    { role: 'clusterAdmin', db: 'admin' },
    { role: 'userAdminAnyDatabase', db: 'admin' },
  ],
};
const APP: FakeUser = { db: 'tickets', pwd: 'app-secret', roles: [{ role: 'readWrite', db: 'tickets' }] };
const ONE_MEMBER_SET = { _id: 'rs0', members: [{ _id: 0, host: MEMBER_0 }] };

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

  async function probe(state: FakeState, env: { member?: string; members?: string[]; adminPassword?: string } = {}) {
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify(state));
    const result = await runCommand(['/bin/sh', path.join(dir, 'rs-ready.sh')], {
      cwd: dir,
      env: {
        PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
        FAKE_MONGO_STATE: stateFile,
        RS_NAME: 'rs0',
        RS_MEMBER_HOST: env.member ?? MEMBER_0,
        RS_MEMBERS: (env.members ?? [MEMBER_0]).join(','),
        MONGO_ADMIN_USER: 'admin',
        MONGO_ADMIN_PASSWORD: env.adminPassword ?? ADMIN.pwd,
        MONGO_APP_DATABASE: 'tickets',
        MONGO_APP_USER: 'tickets',
        MONGO_APP_PASSWORD: APP.pwd,
      },
      timeoutMs: 20_000,
    });
    return { code: result.code, state: JSON.parse(fs.readFileSync(stateFile, 'utf8')) as FakeState };
  }

  const bothUsers = (): Record<string, FakeUser> => ({ 'admin.admin': ADMIN, 'tickets.tickets': APP });

  it('when the script is read, then it is a shell script that runs mongosh against the local mongod, credentials from the environment only', () => {
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toMatch(/mongosh --quiet --norc --host 127\.0\.0\.1 --port 27017 --eval '/);
    expect(script).not.toMatch(/-p |--password|--username/);
  });

  it('when the member is fresh, then it initiates the set with its name and the pod DNS name, and is not ready until primary', async () => {
    const { code, state } = await probe({});
    expect(state.config).toEqual(ONE_MEMBER_SET);
    expect(state.users).toEqual({});
    expect(code).toBe(1);
    expect(state.argv).toEqual(['--quiet', '--norc', '--host', '127.0.0.1', '--port', '27017', '--eval', expect.any(String)]);
  }, 30_000);

  it('when the member becomes primary right after initiation, then the same probe creates the administrator and the service user, and reports ready', async () => {
    const { code, state } = await probe({ roleAfterInitiate: 'primary' });
    expect(state.initiateCalls).toBe(1);
    // readWrite on its own database only; the administrator manages the set and users, no data role.
    expect(state.users).toEqual(bothUsers());
    expect(code).toBe(0);
  }, 30_000);

  it('when the set and its users exist and the member is primary, then it reports ready without initiating or creating anything', async () => {
    const { code, state } = await probe({ config: ONE_MEMBER_SET, role: 'primary', users: bothUsers() });
    expect(state.initiateCalls).toBeUndefined();
    expect(state.createUserCalls).toBeUndefined();
    expect(state.config).toEqual(ONE_MEMBER_SET);
    expect(code).toBe(0);
  }, 30_000);

  it('when the administrator exists but the service user does not (a new service Secret), then the primary creates it', async () => {
    const { code, state } = await probe({ config: ONE_MEMBER_SET, role: 'primary', users: { 'admin.admin': ADMIN } });
    expect(state.users).toEqual(bothUsers());
    expect(code).toBe(0);
  }, 30_000);

  it('when the set exists but the member is neither primary nor secondary yet, then it reports not ready and changes nothing', async () => {
    const { code, state } = await probe({ config: ONE_MEMBER_SET, role: 'startup', users: bothUsers() });
    expect(state.initiateCalls).toBeUndefined();
    expect(state.createUserCalls).toBeUndefined();
    expect(code).toBe(1);
  }, 30_000);

  it('when the administrator password does not match, then it reports not ready and creates nothing', async () => {
    const { code, state } = await probe({ config: ONE_MEMBER_SET, role: 'primary', users: bothUsers() }, { adminPassword: 'wrong' });
    expect(state.createUserCalls).toBeUndefined();
    expect(state.error).toBe('Unauthorized');
    expect(code).not.toBe(0);
  }, 30_000);

  describe('with three members (prod)', () => {
    it('when the first member is fresh, then it initiates the set with all three members, in order', async () => {
      const { state } = await probe({}, { members: THREE });
      expect(state.config).toEqual({ _id: 'rs0', members: THREE.map((host, index) => ({ _id: index, host })) });
    }, 30_000);

    it('when another member is fresh, then it waits for the first to initiate the set: not ready, nothing initiated', async () => {
      const { code, state } = await probe({}, { member: THREE[1], members: THREE });
      expect(state.initiateCalls).toBeUndefined();
      expect(code).toBe(1);
    }, 30_000);

    it('when a member is a secondary and the users have replicated to it, then it is ready and creates nothing', async () => {
      const config = { _id: 'rs0', members: THREE.map((host, index) => ({ _id: index, host })) };
      const { code, state } = await probe({ config, role: 'secondary', users: bothUsers() }, { member: THREE[2], members: THREE });
      expect(state.createUserCalls).toBeUndefined();
      expect(code).toBe(0);
    }, 30_000);

    it('when a member is a secondary but the users have not reached it yet, then it is not ready', async () => {
      const config = { _id: 'rs0', members: THREE.map((host, index) => ({ _id: index, host })) };
      const { code, state } = await probe({ config, role: 'secondary' }, { member: THREE[2], members: THREE });
      expect(state.createUserCalls).toBeUndefined();
      expect(code).toBe(1);
    }, 30_000);
  });
});
