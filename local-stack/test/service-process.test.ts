import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceProcess } from '../src/service-process';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'service-process-'));
  mkdirSync(path.join(dir, 'dist'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a service process while it starts', () => {
  it('when the service exits before it is ready, then start rejects with its exit code (not a readiness time-out)', async () => {
    writeFileSync(path.join(dir, 'dist', 'index.js'), "console.error('config: JWT_KEY is required'); process.exit(3);\n");
    const lines: string[] = [];
    const service = new ServiceProcess({ name: 'broken-1', cwd: dir, env: {}, log: (line) => lines.push(line) });

    await expect(service.start()).rejects.toThrow(/^broken-1 exited during start \(code 3\)$/);
    expect(service.running).toBe(false);
    expect(lines).toContain('[broken-1] config: JWT_KEY is required');
  });

  it('when the service answers its readiness path, then start resolves and stop ends it gracefully', async () => {
    writeFileSync(
      path.join(dir, 'dist', 'index.js'),
      [
        "const server = require('node:http').createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());",
        'server.listen(Number(process.env.PORT), "127.0.0.1");',
        "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
      ].join('\n'),
    );
    const service = new ServiceProcess({ name: 'ok-1', cwd: dir, env: {} });

    await service.start();
    expect(service.running).toBe(true);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(await service.stop()).toBe(0);
  });
});
