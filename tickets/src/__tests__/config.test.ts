import { generateSessionKeyPair, runService } from '@ticketing/common/http';
import { configSpec, loadConfig } from '../config';
import { ticketsService } from '../service';

const REQUIRED = {
  JWT_PUBLIC_KEY: generateSessionKeyPair().publicKey,
  AUTH_URL: 'http://auth-srv:3000',
  MONGO_URI: 'mongodb://localhost:27017/tickets',
  NATS_URL: 'nats://localhost:4222',
};

describe('tickets config', () => {
  it('when the required variables are set, then it loads with the defaults', () => {
    expect(loadConfig(REQUIRED)).toMatchObject({ ...REQUIRED, PORT: 3000, COOKIE_SECURE: true, NATS_TRANSPORT: 'jetstream' });
  });

  it('when JWT_PUBLIC_KEY, AUTH_URL, MONGO_URI and NATS_URL are missing, then one error names each of them', () => {
    expect(() => loadConfig({})).toThrow(/JWT_PUBLIC_KEY is required/);
    expect(() => loadConfig({})).toThrow(/MONGO_URI is required/);
    expect(() => loadConfig({})).toThrow(/NATS_URL is required/);
    for (const name of Object.keys(REQUIRED)) {
      expect(() => loadConfig({ ...REQUIRED, [name]: undefined })).toThrow(`${name} is required`);
    }
  });

  it('when NATS_TRANSPORT is not jetstream or streaming, then it is refused', () => {
    expect(() => loadConfig({ ...REQUIRED, NATS_TRANSPORT: 'kafka' })).toThrow(/NATS_TRANSPORT is invalid/);
  });

  it('when the spec is read, then the broker variables are part of it', () => {
    expect(Object.keys(configSpec)).toEqual(
      expect.arrayContaining([
        'PORT',
        'JWT_PUBLIC_KEY',
        'AUTH_URL',
        'MONGO_URI',
        'NATS_URL',
        'NATS_TRANSPORT',
        'NATS_CLUSTER_ID',
        'NATS_CLIENT_ID',
      ]),
    );
  });

  it('when the service is run with an invalid configuration, then it exits 1 without connecting anything', async () => {
    const exit = jest.fn();
    const running = await runService(ticketsService({ loadConfig: () => loadConfig({}) }), { exit, signals: [] });
    expect(running).toBeUndefined();
    expect(exit).toHaveBeenCalledWith(1);
  });
});
