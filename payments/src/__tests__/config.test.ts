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
});
