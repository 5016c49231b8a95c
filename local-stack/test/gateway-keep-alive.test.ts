import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, listen } from '../src/gateway';

function get(agent: http.Agent, url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

describe('the local gateway', () => {
  let upstream: http.Server;
  let gateway: http.Server;
  let gatewayConnections = 0;
  let upstreamConnections = 0;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
    upstream.on('connection', () => (upstreamConnections += 1));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await listen(createGateway({ '/api/things': () => [target] }), 0);
    gateway.on('connection', () => (gatewayConnections += 1));
  });

  afterAll(async () => {
    for (const server of [gateway, upstream]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when a client keeps its connection alive, then the gateway answers every request on that one connection and reuses its upstream connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api/things/1`;
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await get(agent, url));
    agent.destroy();

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.connection)).toEqual(Array(5).fill('keep-alive'));
    expect(JSON.parse(answers[0].body)).toEqual({ path: '/api/things/1' });
    expect({ gatewayConnections, upstreamConnections }).toEqual({ gatewayConnections: 1, upstreamConnections: 1 });
  });
});
