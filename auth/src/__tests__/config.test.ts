import { runService } from '@ticketing/common/http';
import { configSpec, loadConfig } from '../config';
import { authService } from '../service';

describe('auth config', () => {
  it('when JWT_KEY and MONGO_URI are set, then the rest has defaults', () => {
    const config = loadConfig({ JWT_KEY: 'k', MONGO_URI: 'mongodb://auth-mongo-srv:27017/auth' });
    expect(config).toMatchObject({
      PORT: 3000,
      JWT_KEY: 'k',
      JWT_TTL: 86400,
      COOKIE_SECURE: true,
      LOG_LEVEL: 'info',
      MONGO_URI: 'mongodb://auth-mongo-srv:27017/auth',
    });
  });

  it('when MONGO_URI and JWT_KEY are missing, then the error names both', () => {
    expect(() => loadConfig({})).toThrow(/^Invalid configuration: .*JWT_KEY is required.*MONGO_URI is required/);
  });

  it('when the spec is read, then exactly JWT_KEY and MONGO_URI have no default', () => {
    const required = Object.entries(configSpec)
      .filter(([, spec]) => !('default' in spec))
      .map(([name]) => name)
      .sort();
    expect(required).toEqual(['JWT_KEY', 'MONGO_URI']);
  });

  it('when the service is run with an invalid configuration, then it exits 1 without connecting anything', async () => {
    const exit = jest.fn();
    const running = await runService(authService({ loadConfig: () => loadConfig({}) }), { exit, signals: [] });
    expect(running).toBeUndefined();
    expect(exit).toHaveBeenCalledWith(1);
  });
});
