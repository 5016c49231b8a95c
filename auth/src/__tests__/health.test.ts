import { useMongoose } from '@ticketing/testkit';
import request from 'supertest';
import { testApp } from '../test/helpers';

useMongoose();
const app = testApp();

describe('probes with the database connected', () => {
  it('when /healthz is called, then 200 ok', async () => {
    const response = await request(app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('when the database answers pings, then /readyz is 200', async () => {
    const response = await request(app).get('/readyz').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});
