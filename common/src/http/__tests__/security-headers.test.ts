import express from 'express';
import request from 'supertest';
import { BadRequestError, createErrorHandler } from '..';
import { securityHeaders } from '../security-headers';

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
  app.use((_req, res) => {
    res.status(404).json({ errors: [{ message: 'Not found' }] });
  });
  app.use(createErrorHandler());
  return app;
}

const ANSWERS = [
  ['a 200', '/ok', 200],
  ['an error', '/bad', 400],
  ['a 404', '/nowhere', 404],
] as const;

describe('securityHeaders (helmet, plus no-store)', () => {
  describe.each(ANSWERS)('when %s is answered', (_label, path, status) => {
    let headers: Record<string, string>;
    beforeAll(async () => {
      headers = (await request(bareApp()).get(path).expect(status)).headers as Record<string, string>;
    });

    it("then the CSP lets nothing load: default-src 'none'", () => {
      expect(headers['content-security-policy'].split(';')).toContain("default-src 'none'");
    });

    it("then nobody may frame it: frame-ancestors 'none' and X-Frame-Options DENY", () => {
      expect(headers['content-security-policy'].split(';')).toContain("frame-ancestors 'none'");
      expect(headers['x-frame-options']).toBe('DENY');
    });

    it('then the CSP says nothing else (no default directive opens a source)', () => {
      expect(headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    });

    it('then the content type is never sniffed: nosniff', () => {
      expect(headers['x-content-type-options']).toBe('nosniff');
    });

    it('then no referrer leaves: Referrer-Policy no-referrer', () => {
      expect(headers['referrer-policy']).toBe('no-referrer');
    });

    it('then only the same origin may embed it: Cross-Origin-Resource-Policy same-origin', () => {
      expect(headers['cross-origin-resource-policy']).toBe('same-origin');
    });

    it('then no cache keeps it: Cache-Control no-store', () => {
      expect(headers['cache-control']).toBe('no-store');
    });

    it('then there is no HSTS (the ingress terminates TLS and sets it) and no X-Powered-By', () => {
      expect(headers['strict-transport-security']).toBeUndefined();
      expect(headers['x-powered-by']).toBeUndefined();
    });
  });

  it('when a route sets its own Cache-Control, then that one is sent', async () => {
    const response = await request(bareApp()).get('/cacheable').expect(200);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
