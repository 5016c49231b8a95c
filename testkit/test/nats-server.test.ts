import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { serviceBrokerUsers, startNats } from '../src/nats-server';
import { acceptsConnections, eventually, processIsAlive } from '../src/eventually';

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

describe('startNats', () => {
  it('when started with users, then only they may connect, each within its permissions, and the config file goes with the store', async () => {
    const server = await startNats({
      users: [
        { user: 'admin', password: 'admin-secret' },
        { user: 'narrow', password: 'narrow-secret', permissions: { publish: { allow: ['allowed'] }, subscribe: { allow: ['_INBOX.>'] } } },
      ],
    });
    try {
      expect(server.configFile).toBeDefined();
      expect(statSync(server.configFile ?? '').mode & 0o777).toBe(0o600);
      expect(readFileSync(server.configFile ?? '', 'utf8')).toMatch(/^authorization: /);
      await expect(connect({ servers: server.url, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
      await expect(connect({ servers: server.url, timeout: 3_000, user: 'narrow', pass: 'wrong' })).rejects.toThrow(
        /Authorization Violation/i,
      );
      const admin = await connect({ servers: server.url, user: 'admin', pass: 'admin-secret' });
      const narrow = await connect({ servers: server.url, user: 'narrow', pass: 'narrow-secret' });
      try {
        expect(admin.info?.jetstream).toBe(true);
        const errors: string[] = [];
        void (async () => {
          for await (const s of narrow.status()) if (s.type === 'error') errors.push(String(s.error));
        })();
        const got: string[] = [];
        admin.subscribe('>', { callback: (_err, m) => void got.push(m.subject) });
        await admin.flush();
        narrow.publish('allowed');
        narrow.publish('refused');
        await narrow.flush();
        await eventually(() => errors.some((e) => e.includes('Permissions Violation for Publish to "refused"')), 'the refusal');
        await admin.flush();
        expect(got).toEqual(['allowed']);
      } finally {
        await Promise.all([admin.close(), narrow.close()]);
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.configFile ?? '')).toBe(false);
  });

  it('when started with users, then a restart keeps requiring them', async () => {
    const { users, credentials } = serviceBrokerUsers();
    const server = await startNats({ users });
    try {
      await server.restart();
      await expect(connect({ servers: server.url, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
      const nc = await connect({ servers: server.url, user: credentials.operator.user, pass: credentials.operator.password });
      await nc.close();
      expect(Object.keys(credentials).sort()).toEqual(['operator', 'orders', 'payments', 'tickets']);
      expect(new Set(Object.values(credentials).map((c) => c.password)).size).toBe(4);
    } finally {
      await server.stop();
    }
  });

  it('when started without users, then it needs no credentials (the default)', async () => {
    const server = await startNats();
    try {
      expect(server.configFile).toBeUndefined();
      const nc = await connect({ servers: server.url });
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it('when started, then it accepts NATS connections with JetStream on a private port and store, and stop removes both', async () => {
    const server = await startNats();
    const pid = server.pid ?? 0;
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(server.port).not.toBe(4222);
      const nc = await connect({ servers: server.url });
      const info = nc.info;
      await nc.close();
      expect(info?.jetstream).toBe(true);
      expect(existsSync(server.storeDir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(processIsAlive(pid)).toBe(false);
    expect(await acceptsConnections(server.port)).toBe(false);
    expect(existsSync(server.storeDir)).toBe(false);
  });

  it('when killed and restarted, then it comes back on the same port with the same store', async () => {
    const server = await startNats();
    try {
      const firstPid = server.pid ?? 0;
      await server.kill();
      expect(processIsAlive(firstPid)).toBe(false);
      expect(await acceptsConnections(server.port)).toBe(false);
      expect(server.pid).toBeUndefined();

      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(await acceptsConnections(server.port)).toBe(true);
      expect(existsSync(server.storeDir)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('when asked for a plain server, then JetStream is off', async () => {
    const server = await startNats({ jetstream: false });
    try {
      const nc = await connect({ servers: server.url });
      const info = nc.info;
      await nc.close();
      expect(info?.jetstream ?? false).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('when NATS_SERVER_BIN points nowhere, then start fails naming the problem', async () => {
    const saved = process.env.NATS_SERVER_BIN;
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      await expect(startNats()).rejects.toThrow(/ENOENT|nats-server/);
    } finally {
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });
});
