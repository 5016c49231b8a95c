import { generateSessionKeyPair } from '@ticketing/common/http';
import { configSpec, loadConfig } from '../config';

const REQUIRED = {
  JWT_PUBLIC_KEY: generateSessionKeyPair().publicKey,
  AUTH_URL: 'http://auth-srv:3000',
  MONGO_URI: 'mongodb://orders-mongo-srv:27017/orders',
  NATS_URL: 'nats://nats-srv:4222',
};

describe('orders config', () => {
  it('when JWT_PUBLIC_KEY, AUTH_URL, MONGO_URI and NATS_URL are set, then the rest has defaults (orders expire after 900 s, swept every second)', () => {
    expect(loadConfig(REQUIRED)).toMatchObject({
      ...REQUIRED,
      PORT: 3000,
      COOKIE_SECURE: true,
      NATS_TRANSPORT: 'jetstream',
      EXPIRATION_WINDOW_SECONDS: 900,
      EXPIRATION_SWEEP_INTERVAL_MS: 1000,
    });
  });

  it('when EXPIRATION_WINDOW_SECONDS is set, then it is read as a number', () => {
    expect(loadConfig({ ...REQUIRED, EXPIRATION_WINDOW_SECONDS: '60' }).EXPIRATION_WINDOW_SECONDS).toBe(60);
  });

  it.each(['0', '-5', '1.5', 'soon', ''])('when EXPIRATION_WINDOW_SECONDS is %j, then loading fails naming it', (value) => {
    expect(() => loadConfig({ ...REQUIRED, EXPIRATION_WINDOW_SECONDS: value })).toThrow(/EXPIRATION_WINDOW_SECONDS is (invalid|required)/);
  });

  it('when the required variables are missing, then the error names each of them', () => {
    expect(() => loadConfig({})).toThrow(/JWT_PUBLIC_KEY is required.*AUTH_URL is required.*MONGO_URI is required.*NATS_URL is required/);
  });

  it('when the spec is read, then exactly AUTH_URL, JWT_PUBLIC_KEY, MONGO_URI and NATS_URL have no default', () => {
    const required = Object.entries(configSpec)
      .filter(([, spec]) => !('default' in spec))
      .map(([name]) => name)
      .sort();
    expect(required).toEqual(['AUTH_URL', 'JWT_PUBLIC_KEY', 'MONGO_URI', 'NATS_URL']);
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
  ])('when %s is %p, then orders refuses to boot naming it', (name, value) => {
    expect(() => loadConfig({ ...REQUIRED, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });
});
