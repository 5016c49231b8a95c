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
});
