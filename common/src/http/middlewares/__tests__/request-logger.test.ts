import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createServiceApp, requestIdFor } from '../..';
import { captureLogger } from '../../../test/capture-logger';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function appWith(logger = captureLogger().logger) {
  return createServiceApp({ cookieSecure: false, logger }, (routes) => {
    routes.get('/id', (req, res) => {
      req.log.info('handling');
      res.json({ id: req.id });
    });
    routes.get('/boom', () => {
      throw new Error('kaput');
    });
    routes.get('/hang', () => {
      // Never answers: the client gives up first.
    });
  });
}

describe('requestLogger', () => {
  it('when a request has no id, then a UUID is assigned, exposed as req.id and echoed', async () => {
    const response = await request(appWith()).get('/id').expect(200);
    const id = response.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(response.body).toEqual({ id });
  });

  it('when a request brings a sane x-request-id, then it is kept', async () => {
    const response = await request(appWith()).get('/id').set('x-request-id', 'edge-7f3a.42').expect(200);
    expect(response.headers['x-request-id']).toBe('edge-7f3a.42');
    expect(response.body).toEqual({ id: 'edge-7f3a.42' });
  });

  it('when the incoming id is not sane, then a fresh UUID replaces it', async () => {
    const response = await request(appWith()).get('/id').set('x-request-id', 'evil id\twith spaces').expect(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(requestIdFor('x'.repeat(129))).toMatch(UUID);
    expect(requestIdFor(['a', 'b'])).toMatch(UUID);
  });

  it('when a handler logs through req.log, then the line carries the request id and no cookie', async () => {
    const { logger, lines } = captureLogger();
    await request(appWith(logger)).get('/id').set('x-request-id', 'trace-1').set('Cookie', 'session=c2VjcmV0').expect(200);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'handling', reqId: 'trace-1' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request completed', req: expect.objectContaining({ id: 'trace-1' }) }));
    expect(JSON.stringify(lines)).not.toContain('c2VjcmV0');
  });

  it('when probes are called, then they are not logged and still get an id', async () => {
    const { logger, lines } = captureLogger();
    const response = await request(appWith(logger)).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(lines).toEqual([]);
  });

  it('when a request completes, then one line names its method, url, status and time', async () => {
    const { logger, lines } = captureLogger();
    await request(appWith(logger)).get('/id?x=1').set('x-request-id', 'line-1').expect(200);
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: 'line-1',
        req: { id: 'line-1', method: 'GET', url: '/id?x=1' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('when a handler throws, then the request line is an error line with status 500', async () => {
    const { logger, lines } = captureLogger();
    await request(appWith(logger)).get('/boom').set('x-request-id', 'boom-1').expect(500);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request errored', level: 50, reqId: 'boom-1', res: { statusCode: 500 } }));
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([]);
  });

  it('when the client goes away before the answer, then the line says the request was aborted', async () => {
    const { logger, lines } = captureLogger();
    const server = appWith(logger).listen(0);
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => {
        const req = http.get({ port, path: '/hang', headers: { 'x-request-id': 'gone-1' } });
        req.on('error', () => resolve());
        setTimeout(() => req.destroy(), 100);
      });
      // The server sees the socket close a moment after the client does.
      for (let i = 0; i < 50 && !lines.some((line) => line.msg === 'request aborted'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request aborted', reqId: 'gone-1' }));
  });
});
