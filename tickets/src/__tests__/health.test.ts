import { fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { testApp } from '../test/helpers';

jest.mock('../nats-wrapper');

useMongoose();
const app = testApp();

afterEach(() => {
  jest.restoreAllMocks();
});

describe('probes', () => {
  it('when /healthz is called, then 200 ok', async () => {
    const response = await request(app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the database and the broker are up, then /readyz is 200', async () => {
    const response = await request(app).get('/readyz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the broker is disconnected, then /readyz is 503 naming the broker', async () => {
    jest.spyOn(fakeNatsWrapper, 'isConnected').mockReturnValue(false);
    const response = await request(app).get('/readyz').expect(503);
    expect(JSON.stringify(response.body)).toContain('broker');
    expect(JSON.stringify(response.body)).not.toContain('database');
  });
});
