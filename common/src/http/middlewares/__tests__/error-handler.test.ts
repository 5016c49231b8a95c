import express from 'express';
import request from 'supertest';
import { BadRequestError, ConflictError, createErrorHandler, createServiceApp, requestLogger } from '../..';
import { captureLogger } from '../../../test/capture-logger';

const SECRET_DETAIL = 'connection string mongodb://admin:hunter2@db/internal';

function appWith(logger = captureLogger().logger): express.Express {
  return createServiceApp({ cookieSecure: false, logger }, (routes) => {
    routes.get('/bad', () => {
      throw new BadRequestError('Ticket is already reserved');
    });
    routes.get('/conflict', async () => {
      throw new ConflictError('Ticket was changed by someone else');
    });
    routes.get('/boom', async () => {
      throw new Error(SECRET_DETAIL);
    });
    routes.get('/throw-string', () => {
      throw 'a bare string';
    });
    routes.post('/echo', (req, res) => {
      res.json(req.body);
    });
    routes.get('/items/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    routes.get('/status/:code', (req) => {
      const code = Number(req.params.code);
      // Like a library's error: a status and a message, not one of ours.
      throw Object.assign(
        new Error(`internal detail ${SECRET_DETAIL}`),
        req.query.field === 'statusCode' ? { statusCode: code } : { status: code },
      );
    });
    routes.get('/exposed', () => {
      throw Object.assign(new Error('Slow down'), { status: 429, expose: true });
    });
  });
}

/** Sends a Buffer body byte for byte (superagent would JSON-encode it under a JSON content type). */
const asIs = (raw: unknown) => raw as string;

/** `{"title": "<bytes>"}` with the given raw bytes inside the string. */
function jsonWithBytes(bytes: number[]): Buffer {
  return Buffer.concat([Buffer.from('{"title": "'), Buffer.from(bytes), Buffer.from('"}')]);
}

describe('errorHandler', () => {
  it('when a CustomError is thrown, then its status and messages are answered', async () => {
    const response = await request(appWith()).get('/bad').expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
  });

  it('when an async handler rejects with a CustomError, then it is answered too', async () => {
    const response = await request(appWith()).get('/conflict').expect(409);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket was changed by someone else' }] });
  });

  it('when an unknown error is thrown, then 500 says nothing of it and it is logged with the request id', async () => {
    const { logger, lines } = captureLogger();
    const response = await request(appWith(logger)).get('/boom').set('x-request-id', 'req-boom-1').expect(500);

    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
    expect(response.text).not.toContain('hunter2');
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
    const logged = lines.find((line) => line.msg === 'Unhandled error while serving request');
    expect(logged).toMatchObject({ level: 50, reqId: 'req-boom-1', err: { message: SECRET_DETAIL } });
    expect((logged?.err as { stack?: string }).stack).toContain('Error');
  });

  it('when a non-Error value is thrown, then 500 in the error shape', async () => {
    const response = await request(appWith()).get('/throw-string').expect(500);
    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
  });

  it('when the JSON body is malformed, then 400 in the error shape', async () => {
    const response = await request(appWith()).post('/echo').set('Content-Type', 'application/json').send('{"email": "a@b.c",').expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Malformed JSON body' }] });
  });

  it('when the JSON body is over the limit, then 413 in the error shape', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(101 * 1024) });
    const response = await request(appWith()).post('/echo').set('Content-Type', 'application/json').send(big).expect(413);
    expect(response.body).toEqual({ errors: [{ message: 'Request body too large' }] });
  });

  it('when the body is just under the limit, then it is accepted', async () => {
    const padding = 'x'.repeat(99 * 1024);
    const response = await request(appWith()).post('/echo').send({ padding }).expect(200);
    expect((response.body as { padding: string }).padding).toHaveLength(padding.length);
  });

  it('when the route does not exist, then 404 Not found in the error shape', async () => {
    const response = await request(appWith()).delete('/nowhere/at/all').expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Not found' }] });
  });

  it('when used without requestLogger, then it logs through its fallback logger', async () => {
    const { logger, lines } = captureLogger();
    const bare = express();
    bare.get('/boom', () => {
      throw new Error('kaput');
    });
    bare.use(createErrorHandler({ logger }));
    const response = await request(bare).get('/boom').expect(500);
    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
    expect(lines).toEqual([expect.objectContaining({ err: expect.objectContaining({ message: 'kaput' }) })]);
  });

  it('when the response has already started, then the connection is ended rather than answered twice', async () => {
    const { logger, lines } = captureLogger();
    const bare = express();
    bare.use(requestLogger({ logger }));
    bare.get('/partial', (_req, res, next) => {
      res.status(200).write('partial');
      next(new Error('failed mid-stream'));
    });
    bare.use(createErrorHandler({ logger }));
    await expect(request(bare).get('/partial')).rejects.toThrow();
    expect(lines.some((line) => (line.err as { message?: string } | undefined)?.message === 'failed mid-stream')).toBe(true);
  });

  describe('client errors that carry a 4xx status', () => {
    it.each([
      ['status', 404, 'Not Found'],
      ['status', 422, 'Unprocessable Entity'],
      ['statusCode', 400, 'Bad Request'],
      ['statusCode', 409, 'Conflict'],
    ])('when an error with %s %i is thrown, then that status in the error shape, without its message', async (field, code, message) => {
      const { logger, lines } = captureLogger();
      const response = await request(appWith(logger)).get(`/status/${code}?field=${field}`).expect(code);
      expect(response.body).toEqual({ errors: [{ message }] });
      expect(response.text).not.toContain('hunter2');
      expect(lines.some((line) => line.msg === 'Unhandled error while serving request')).toBe(false);
    });

    it.each([500, 503, 302, 200])('when an error with status %i is thrown, then 500 Something went wrong', async (code) => {
      const response = await request(appWith()).get(`/status/${code}`).expect(500);
      expect(response.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
    });

    it('when an error marked expose carries a 4xx status, then its own message is answered', async () => {
      const response = await request(appWith()).get('/exposed').expect(429);
      expect(response.body).toEqual({ errors: [{ message: 'Slow down' }] });
    });
  });

  describe('route parameters that cannot be decoded', () => {
    it.each(['%zz', '%E0%A4%A', '%', 'abc%FF'])('when the parameter is %s, then 400 Malformed URL parameter, not echoed', async (raw) => {
      const { logger, lines } = captureLogger();
      const response = await request(appWith(logger)).get(`/items/${raw}`).expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'Malformed URL parameter' }] });
      expect(lines.some((line) => line.msg === 'Unhandled error while serving request')).toBe(false);
    });

    it('when the parameter is well encoded, then the route sees it decoded', async () => {
      const response = await request(appWith()).get('/items/caf%C3%A9').expect(200);
      expect(response.body).toEqual({ id: 'café' });
    });
  });

  describe('JSON bodies that are not valid UTF-8', () => {
    it.each([
      ['a lone continuation byte', [0x80]],
      ['0xFF', [0xff]],
      ['a truncated 3-byte sequence', [0xe0, 0xa4]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['an encoded surrogate (CESU)', [0xed, 0xa0, 0x80]],
    ])('when the body holds %s, then 400 in the error shape', async (_label, bytes) => {
      const response = await request(appWith())
        .post('/echo')
        .set('Content-Type', 'application/json')
        .serialize(asIs)
        .send(jsonWithBytes(bytes))
        .expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'Request body is not valid UTF-8' }] });
    });

    it('when the body is valid UTF-8 with multi-byte characters, then it is parsed as sent', async () => {
      const response = await request(appWith())
        .post('/echo')
        .set('Content-Type', 'application/json; charset=utf-8')
        .serialize(asIs)
        .send(jsonWithBytes([...Buffer.from('café 🎫')]))
        .expect(200);
      expect(response.body).toEqual({ title: 'café 🎫' });
    });
  });

  describe('security headers of the service app', () => {
    it.each([
      ['a route', '/items/1', 200],
      ['/healthz', '/healthz', 200],
      ['a client error', '/bad', 400],
      ['an unexpected error', '/boom', 500],
      ['an unknown route', '/nowhere', 404],
      ['an undecodable parameter', '/items/%zz', 400],
    ])('when %s is answered, then nosniff, the CSP, no-referrer and Cache-Control no-store are set', async (_label, path, status) => {
      const response = await request(appWith()).get(path).expect(status);
      expect(response.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
    });

    it('when the body is refused before any route (malformed JSON), then the headers are set too', async () => {
      const response = await request(appWith()).post('/echo').set('Content-Type', 'application/json').send('{').expect(400);
      expect(response.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    });
  });
});
