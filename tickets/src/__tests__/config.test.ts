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
        'NATS_STREAM_REPLICAS',
      ]),
    );
  });

  it('when the service is run with an invalid configuration, then it exits 1 without connecting anything', async () => {
    const exit = jest.fn();
    const running = await runService(ticketsService({ loadConfig: () => loadConfig({}) }), { exit, signals: [] });
    expect(running).toBeUndefined();
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('when NATS_URL lists a cluster comma-separated and NATS_STREAM_REPLICAS is 3, then both are read', () => {
    const config = loadConfig({
      ...REQUIRED,
      NATS_URL: 'nats://nats-0:4222,nats://nats-1:4222,nats://nats-2:4222',
      NATS_STREAM_REPLICAS: '3',
    });
    expect(config.NATS_URL).toBe('nats://nats-0:4222,nats://nats-1:4222,nats://nats-2:4222');
    expect(config.NATS_STREAM_REPLICAS).toBe(3);
    expect(loadConfig(REQUIRED).NATS_STREAM_REPLICAS).toBe(1);
  });

  it.each([
    ['NATS_URL', 'http://nats-srv:4222'],
    ['NATS_URL', 'nats://nats-0:4222,nats-1:4222'],
    ['NATS_STREAM_REPLICAS', '0'],
    ['NATS_STREAM_REPLICAS', '6'],
    ['NATS_STREAM_REPLICAS', 'three'],
  ])('when %s is %p, then tickets refuses to boot naming it', (name, value) => {
    expect(() => loadConfig({ ...REQUIRED, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });
});
