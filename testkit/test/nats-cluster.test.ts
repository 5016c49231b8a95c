import { existsSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsCluster } from '../src/nats-cluster';
import { serviceBrokerUsers } from '../src/nats-server';
import { acceptsConnections, processIsAlive } from '../src/eventually';

// Three real nats-servers and a leader election: seconds, not milliseconds.
jest.setTimeout(60_000);

describe('startNatsCluster', () => {
  it('when a 3-node cluster is started, then a client given every URL gets an R3 stream, its leader is found, and killing that leader elects another', async () => {
    const cluster = await startNatsCluster({ size: 3 });
    try {
      expect(cluster.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
      expect(cluster.url.split(',')).toEqual(cluster.nodes.map((n) => n.url));
      expect(new Set(cluster.nodes.map((n) => n.storeDir)).size).toBe(3);
      const nc = await connect({ servers: [...cluster.urls] });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.add({ name: 'CLUSTER_TEST', subjects: ['cluster-test'], num_replicas: 3 });
        expect(info.config.num_replicas).toBe(3);

        const leader = await cluster.waitForStreamLeader('CLUSTER_TEST');
        expect(await cluster.streamLeader('CLUSTER_TEST')).toBe(leader.name);
        const pid = leader.pid!;
        await leader.kill();
        expect(processIsAlive(pid)).toBe(false);
        expect(leader.running).toBe(false);

        const next = await cluster.waitForStreamLeader('CLUSTER_TEST', { notOn: leader.name });
        expect(next.name).not.toBe(leader.name);
        expect((await jsm.streams.info('CLUSTER_TEST')).cluster?.leader).toBe(next.name);

        await leader.restart();
        expect(leader.running).toBe(true);
        expect(await acceptsConnections(leader.port)).toBe(true);
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
    expect(cluster.nodes.some((n) => existsSync(n.storeDir))).toBe(false);
  });

  it('when started with users, then every node refuses anonymous clients and admits the users', async () => {
    const { users, credentials } = serviceBrokerUsers();
    const cluster = await startNatsCluster({ users });
    try {
      for (const node of cluster.nodes) {
        await expect(connect({ servers: node.url, timeout: 3_000 })).rejects.toThrow(/Authorization Violation/i);
        const nc = await connect({ servers: node.url, user: credentials.operator.user, pass: credentials.operator.password });
        expect(nc.info?.jetstream).toBe(true);
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
