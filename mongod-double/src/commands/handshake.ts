// Handshake and server information: hello/isMaster, ping, buildInfo and the probes drivers, shells and
// mongoose send.
import { getHeapStatistics } from 'node:v8';
import { Long } from 'bson';
import { gcPauses } from '../gc-stats';
import {
  LOGICAL_SESSION_TIMEOUT_MINUTES,
  MAX_BSON_OBJECT_SIZE,
  MAX_MESSAGE_SIZE_BYTES,
  MAX_WIRE_VERSION,
  MAX_WRITE_BATCH_SIZE,
  SERVER_VERSION,
} from '../state';
import { isDoc, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';

function hello(ctx: CommandContext, legacy: boolean): Doc {
  const { server, connection, body } = ctx;
  if (isDoc(body.client) && isDoc(body.client.application) && typeof body.client.application.name === 'string') {
    connection.appName = body.client.application.name;
  }
  const primaryFlag = legacy ? 'ismaster' : 'isWritablePrimary';
  const common: Doc = {
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
    connectionId: connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  };
  const replSet = server.replSet;
  if (replSet && !replSet.initiated) {
    // An uninitiated member: drivers see an "RSGhost", which a direct connection may still use.
    return {
      helloOk: true,
      [primaryFlag]: false,
      secondary: false,
      info: 'Does not have a valid replica set config',
      isreplicaset: true,
      ...common,
      ok: 1,
    };
  }
  if (replSet && server.steppedDown) {
    // A secondary of a set with no primary (the only member stepped down): no `primary`, no electionId.
    return {
      helloOk: true,
      [primaryFlag]: false,
      secondary: true,
      hosts: server.hosts,
      setName: replSet.name,
      setVersion: 1,
      me: server.me,
      lastWrite: { lastWriteDate: new Date(), majorityWriteDate: new Date() },
      ...common,
      ok: 1,
    };
  }
  const reply: Doc = { helloOk: true, [primaryFlag]: true };
  if (replSet) {
    Object.assign(reply, {
      hosts: server.hosts,
      setName: replSet.name,
      setVersion: 1,
      secondary: false,
      primary: server.me,
      me: server.me,
      electionId: replSet.electionId,
      lastWrite: { lastWriteDate: new Date(), majorityWriteDate: new Date() },
    });
  }
  return { ...reply, ...common, ok: 1 };
}

const versionArray = SERVER_VERSION.split('.').map(Number);

function buildInfo(): Doc {
  return {
    version: SERVER_VERSION,
    gitVersion: 'ticketing-test-double',
    modules: [],
    allocator: 'system',
    javascriptEngine: 'none',
    sysInfo: 'deprecated',
    versionArray: [...versionArray, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['wiredTiger', 'ephemeralForTest'],
    ok: 1,
  };
}

export const handshakeCommands: CommandTable = {
  hello: { run: (ctx) => hello(ctx, false), inTransaction: true },
  isMaster: { run: (ctx) => hello(ctx, true), inTransaction: true },
  ismaster: { run: (ctx) => hello(ctx, true), inTransaction: true },
  ping: { run: () => ({ ok: 1 }), inTransaction: true },
  buildInfo: { run: buildInfo, inTransaction: true },
  buildinfo: { run: buildInfo, inTransaction: true },
  hostInfo: {
    run: () => ({
      system: { currentTime: new Date(), hostname: 'localhost', cpuAddrSize: 64, numCores: 1 },
      os: { type: process.platform, name: process.platform },
      extra: {},
      ok: 1,
    }),
  },
  whatsmyuri: { run: (ctx) => ({ you: ctx.connection.remote, ok: 1 }) },
  getCmdLineOpts: {
    run: (ctx) => ({
      argv: ['mongod', ...ctx.server.options.argv],
      parsed: {
        net: { port: ctx.server.options.port, bindIp: ctx.server.options.bindIp },
        ...(ctx.server.replSet ? { replication: { replSet: ctx.server.replSet.name } } : {}),
        storage: { dbPath: ctx.server.options.dbPath },
      },
      ok: 1,
    }),
    adminOnly: true,
  },
  connectionStatus: { run: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }) },
  getLog: { run: () => ({ totalLinesWritten: 0, log: [], ok: 1 }), adminOnly: true },
  getParameter: {
    run: (ctx) => {
      const known: Doc = {
        featureCompatibilityVersion: { version: SERVER_VERSION.split('.').slice(0, 2).join('.') },
        transactionLifetimeLimitSeconds: Math.round(ctx.server.options.transactionLifetimeMs / 1000),
        maxTransactionLockRequestTimeoutMillis: 5,
        authenticationMechanisms: [],
        ttlMonitorSleepSecs: Math.max(1, Math.round(ctx.server.options.ttlIntervalMs / 1000)),
      };
      if (ctx.body.getParameter === '*') return { ...known, ok: 1 };
      const out: Doc = {};
      for (const key of Object.keys(ctx.body)) {
        if (key in known) out[key] = known[key];
      }
      return { ...out, ok: 1 };
    },
    adminOnly: true,
  },
  setParameter: { run: () => ({ was: null, ok: 1 }), adminOnly: true },
  getDefaultRWConcern: {
    run: () => ({
      defaultReadConcern: { level: 'local' },
      defaultWriteConcern: { w: 'majority', wtimeout: 0 },
      defaultReadConcernSource: 'implicit',
      defaultWriteConcernSource: 'implicit',
      ok: 1,
    }),
    adminOnly: true,
  },
  setDefaultRWConcern: { run: () => ({ ok: 1 }), adminOnly: true },
  logout: { run: () => ({ ok: 1 }) },
  serverStatus: {
    run: (ctx) => {
      const { server } = ctx;
      const uptimeMs = Date.now() - server.startedAt.getTime();
      return {
        host: server.me,
        version: SERVER_VERSION,
        process: 'mongod',
        pid: Long.fromNumber(process.pid),
        uptime: uptimeMs / 1000,
        uptimeMillis: Long.fromNumber(uptimeMs),
        localTime: new Date(),
        connections: { current: server.connectionsCurrent, available: 1000, totalCreated: server.connectionsTotal },
        transactions: { currentOpen: server.engine.openTransactions.size },
        metrics: {
          cursor: { open: { total: server.cursors.size } },
          commands: Object.fromEntries(
            [...server.commandCounts].map(([name, { total, failed }]) => [
              name,
              { total: Long.fromNumber(total), failed: Long.fromNumber(failed) },
            ]),
          ),
        },
        storageEngine: { name: 'ephemeralForTest', supportsCommittedReads: true, persistent: false },
        // Not in mongod's reply: the double's own process, whose collector pauses every command.
        testDouble: { gc: gcPauses(), heapUsedBytes: Long.fromNumber(getHeapStatistics().used_heap_size) },
        ok: 1,
      };
    },
  },
};
