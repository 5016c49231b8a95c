import { existsSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { startNats } from '../src/nats-server';
import { acceptsConnections, processIsAlive } from '../src/eventually';

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

describe('startNats', () => {
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
