import { generateSessionKeyPair, runService } from '@ticketing/common/http';
import { configSpec, loadConfig } from '../config';
import { authService } from '../service';

const KEYS = generateSessionKeyPair();
const REQUIRED = { JWT_PRIVATE_KEY: KEYS.privateKey, MONGO_URI: 'mongodb://auth-mongo-srv:27017/auth' };

describe('auth config', () => {
  it('when JWT_PRIVATE_KEY and MONGO_URI are set, then the rest has defaults and the public key is derived', () => {
    const config = loadConfig(REQUIRED);
    expect(config).toMatchObject({
      PORT: 3000,
      JWT_PRIVATE_KEY: KEYS.privateKey,
      JWT_PUBLIC_KEY: KEYS.publicKey,
      JWT_TTL: 43200,
      SESSION_IDLE_TIMEOUT: 1800,
      COOKIE_SECURE: true,
      LOG_LEVEL: 'info',
      MONGO_URI: 'mongodb://auth-mongo-srv:27017/auth',
      PASSWORD_HASH_CONCURRENCY: 2,
      PASSWORD_ARGON2_MEMORY_KIB: 19_456,
      PASSWORD_ARGON2_TIME_COST: 2,
      THROTTLE_IP_ATTEMPTS: 50,
      THROTTLE_IP_WINDOW: 900,
      THROTTLE_IP_BURST: 10,
      THROTTLE_ACCOUNT_FAILURES: 5,
      THROTTLE_ACCOUNT_BLOCK: 900,
      TRUST_PROXY_HOPS: 1,
    });
  });

  it('when JWT_PUBLIC_KEY is given, then it must be the private key’s', () => {
    expect(loadConfig({ ...REQUIRED, JWT_PUBLIC_KEY: KEYS.publicKey }).JWT_PUBLIC_KEY).toBe(KEYS.publicKey);
    expect(() => loadConfig({ ...REQUIRED, JWT_PUBLIC_KEY: generateSessionKeyPair().publicKey })).toThrow(/does not match/);
  });

  it('when JWT_TTL is longer than 12h, then the configuration is invalid', () => {
    expect(() => loadConfig({ ...REQUIRED, JWT_TTL: '24h' })).toThrow(/JWT_TTL is invalid/);
  });

  it('when MONGO_URI and JWT_PRIVATE_KEY are missing, then the error names both', () => {
    expect(() => loadConfig({})).toThrow(/^Invalid configuration: .*MONGO_URI is required.*JWT_PRIVATE_KEY is required/);
  });

  it('when the spec is read, then exactly JWT_PRIVATE_KEY and MONGO_URI have no default', () => {
    const required = Object.entries(configSpec)
      .filter(([, spec]) => !('default' in spec))
      .map(([name]) => name)
      .sort();
    expect(required).toEqual(['JWT_PRIVATE_KEY', 'MONGO_URI']);
  });

  it('when the service is run with an invalid configuration, then it exits 1 without connecting anything', async () => {
    const exit = jest.fn();
    const running = await runService(authService({ loadConfig: () => loadConfig({}) }), { exit, signals: [] });
    expect(running).toBeUndefined();
    expect(exit).toHaveBeenCalledWith(1);
  });
});
