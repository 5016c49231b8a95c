import express from 'express';
import request from 'supertest';
import { BadRequestError, createErrorHandler } from '..';
import { SECURITY_HEADERS, securityHeaders } from '../security-headers';

const EXPECTED = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function bareApp(): express.Express {
  const app = express();
  app.use(securityHeaders());
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/bad', () => {
    throw new BadRequestError('nope');
  });
  app.get('/cacheable', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json({});
  });
  app.use(createErrorHandler());
  return app;
}

describe('securityHeaders', () => {
  it('when the headers are listed, then they are the API policy (nothing loads, nobody frames, no referrer, no caching)', () => {
    expect(Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([name, value]) => [name.toLowerCase(), value]))).toMatchObject(
      EXPECTED,
    );
  });

  it.each([
    ['a 200', '/ok', 200],
    ['an error', '/bad', 400],
  ])('when %s is answered, then it carries every security header', async (_label, path, status) => {
    const response = await request(bareApp()).get(path).expect(status);
    expect(response.headers).toMatchObject(EXPECTED);
  });

  it('when a route sets its own Cache-Control, then that one is sent', async () => {
    const response = await request(bareApp()).get('/cacheable').expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
