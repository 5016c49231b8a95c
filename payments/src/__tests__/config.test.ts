import { generateSessionKeyPair } from '@ticketing/common/http';
import { loadConfig } from '../config';

const BASE = {
  JWT_PUBLIC_KEY: generateSessionKeyPair().publicKey,
  AUTH_URL: 'http://auth-srv:3000',
  MONGO_URI: 'mongodb://127.0.0.1:27017/payments',
  NATS_URL: 'nats://127.0.0.1:4222',
  STRIPE_SECRET_KEY: 'sk_test_x',
};

describe('payments config', () => {
  it('when only the required variables are set, then the defaults apply', () => {
    const config = loadConfig(BASE);
    expect(config).toMatchObject({ PORT: 3000, STRIPE_SECRET_KEY: 'sk_test_x', PAYMENTS_CURRENCY: 'usd', RECONCILE_INTERVAL_MS: 30_000 });
    expect(config.STRIPE_API_URL).toBeUndefined();
  });

  it('when STRIPE_SECRET_KEY is missing, then boot fails naming it', () => {
    const { STRIPE_SECRET_KEY: _omitted, ...rest } = BASE;
    expect(() => loadConfig(rest)).toThrow(/STRIPE_SECRET_KEY is required/);
  });

  it.each([
    ['STRIPE_API_URL', 'not a url'],
    ['STRIPE_API_URL', 'ftp://example.com'],
    ['PAYMENTS_CURRENCY', 'dollars'],
    ['RECONCILE_INTERVAL_MS', '0'],
    ['RECONCILE_INTERVAL_MS', 'soon'],
  ])('when %s is %p, then boot fails naming it', (name, value) => {
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });

  it('when the optional variables are set, then they are read', () => {
    const config = loadConfig({
      ...BASE,
      STRIPE_API_URL: 'http://127.0.0.1:12111',
      PAYMENTS_CURRENCY: 'EUR',
      RECONCILE_INTERVAL_MS: '500',
    });
    expect(config).toMatchObject({ STRIPE_API_URL: 'http://127.0.0.1:12111', PAYMENTS_CURRENCY: 'eur', RECONCILE_INTERVAL_MS: 500 });
  });

  it('when NATS_URL lists a cluster comma-separated and NATS_STREAM_REPLICAS is 3, then both are read', () => {
    const config = loadConfig({ ...BASE, NATS_URL: 'nats://nats-0:4222,nats://nats-1:4222,nats://nats-2:4222', NATS_STREAM_REPLICAS: '3' });
    expect(config.NATS_URL).toBe('nats://nats-0:4222,nats://nats-1:4222,nats://nats-2:4222');
    expect(config.NATS_STREAM_REPLICAS).toBe(3);
    expect(loadConfig(BASE).NATS_STREAM_REPLICAS).toBe(1);
  });

  it.each([
    ['NATS_URL', 'http://nats-srv:4222'],
    ['NATS_URL', 'nats://nats-0:4222,nats-1:4222'],
    ['NATS_STREAM_REPLICAS', '0'],
    ['NATS_STREAM_REPLICAS', '6'],
    ['NATS_STREAM_REPLICAS', 'three'],
  ])('when %s is %p, then payments refuses to boot naming it', (name, value) => {
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(new RegExp(`${name} is invalid`));
  });
});
