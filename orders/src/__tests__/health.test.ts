import { fakeNatsWrapper } from '@ticketing/testkit';
import request from 'supertest';
import { testApp, useOrdersDatabase } from '../test/helpers';

jest.mock('../nats-wrapper');

useOrdersDatabase();
const app = testApp();

describe('probes', () => {
  afterEach(() => jest.restoreAllMocks());

  it('when /healthz is called, then 200 ok', async () => {
    const response = await request(app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the database and the broker are up, then /readyz is 200', async () => {
    const response = await request(app).get('/readyz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the broker connection is down, then /readyz is 503 naming the broker', async () => {
    jest.spyOn(fakeNatsWrapper, 'isConnected').mockReturnValue(false);
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({ errors: [{ message: 'broker is not ready' }] });
  });
});
