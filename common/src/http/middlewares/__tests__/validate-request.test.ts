import type { Request, Response } from 'express';
import { body } from 'express-validator';
import request from 'supertest';
import { createServiceApp, validateRequest } from '../..';

const app = createServiceApp({ cookieSecure: false }, (routes) => {
  routes.post(
    '/things',
    [
      body('name').isString().withMessage('Name must be a string').bail().trim().notEmpty().withMessage('Name is required'),
      body('count').isInt({ min: 1 }).withMessage('Count must be a positive integer'),
    ],
    validateRequest,
    (req: Request, res: Response) => {
      res.status(201).json(req.body);
    },
  );
});

describe('validateRequest', () => {
  it('when the body passes every rule, then the handler runs', async () => {
    const response = await request(app).post('/things').send({ name: ' lamp ', count: 2 }).expect(201);
    expect(response.body).toEqual({ name: 'lamp', count: 2 });
  });

  it('when rules fail, then 400 lists each failed field', async () => {
    const response = await request(app).post('/things').send({ name: '  ', count: 0 }).expect(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Name is required', field: 'name' },
        { message: 'Count must be a positive integer', field: 'count' },
      ],
    });
  });

  it('when a string field is an object (an operator injection), then 400 names the field', async () => {
    const response = await request(app)
      .post('/things')
      .send({ name: { $gt: '' }, count: 1 })
      .expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Name must be a string', field: 'name' }] });
  });
});
