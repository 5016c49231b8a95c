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
  });
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
});
