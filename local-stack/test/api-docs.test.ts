import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { createGateway, listen } from '../src/gateway';
import { DEFAULT_OPENAPI_FILE } from '../src/api-docs';

describe('the gateway at /api/docs', () => {
  let gateway: http.Server;
  let base = '';

  beforeAll(async () => {
    gateway = await listen(createGateway({}), 0);
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  const documentFromYaml = (): unknown => YAML.parse(fs.readFileSync(DEFAULT_OPENAPI_FILE, 'utf8'));

  it('when asked for JSON, then /api/docs and /api/docs/openapi.json answer the YAML document parsed', async () => {
    for (const url of [`${base}/api/docs`, `${base}/api/docs/openapi.json`]) {
      const res = await fetch(url, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(documentFromYaml());
    }
    expect(documentFromYaml()).toMatchObject({ openapi: '3.1.0', paths: expect.objectContaining({ '/api/tickets': expect.anything() }) });
  });

  it('when a browser asks, then it gets a Swagger UI page whose every asset loads from the gateway, none from another origin', async () => {
    const res = await fetch(`${base}/api/docs`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(
      expect.arrayContaining(['/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js', '/api/docs/ticketing-docs.js']),
    );
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/api\/docs\/[\w.-]+$/);
      const loaded = await fetch(`${base}${asset}`);
      expect({ asset, status: loaded.status }).toEqual({ asset, status: 200 });
      expect((await loaded.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${base}/api/docs/ticketing-docs.js`)).text();
    expect(init).toContain("url: '/api/docs/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:\/\//);
  });

  it("when a file of the package that the page does not use is asked for, then it is the API's 404", async () => {
    for (const file of ['index.html', 'swagger-initializer.js', '..%2Fpackage.json']) {
      const res = await fetch(`${base}/api/docs/${file}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ errors: [{ message: 'Not found' }] });
    }
  });
});
