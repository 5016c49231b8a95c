import { str } from 'envalid';
import { durationSeconds, validateConfig } from '../../core';
import { httpConfigSpec, mongoConfigSpec } from '..';

const spec = { ...httpConfigSpec, ...mongoConfigSpec };
const validEnv = { JWT_KEY: 'secret', MONGO_URI: 'mongodb://auth-mongo:27017/auth' };

describe('validateConfig', () => {
  it('when required variables are present, then defaults fill the rest', () => {
    const config = validateConfig(spec, validEnv);
    expect(config.PORT).toBe(3000);
    expect(config.JWT_KEY).toBe('secret');
    expect(config.JWT_TTL).toBe(86400);
    expect(config.COOKIE_SECURE).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.MONGO_URI).toBe('mongodb://auth-mongo:27017/auth');
  });

  it('when values are given, then they are parsed to their types', () => {
    const config = validateConfig(spec, {
      ...validEnv,
      PORT: '4000',
      JWT_TTL: '12h',
      COOKIE_SECURE: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ PORT: 4000, JWT_TTL: 43200, COOKIE_SECURE: false, LOG_LEVEL: 'debug' });
  });

  it('when JWT_KEY is missing, then the error names it', () => {
    expect(() => validateConfig(spec, { MONGO_URI: validEnv.MONGO_URI })).toThrow('Invalid configuration: JWT_KEY is required');
  });

  it('when JWT_KEY is empty, then it is invalid', () => {
    expect(() => validateConfig(spec, { ...validEnv, JWT_KEY: '' })).toThrow(/JWT_KEY is invalid/);
  });

  it('when several variables are wrong, then every one is named in one error', () => {
    let message = '';
    try {
      validateConfig(spec, { PORT: 'eighty', COOKIE_SECURE: 'maybe', MONGO_URI: 'http://x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: /);
    for (const name of ['PORT is invalid', 'JWT_KEY is required', 'COOKIE_SECURE is invalid', 'MONGO_URI is invalid']) {
      expect(message).toContain(name);
    }
  });

  it('when a secret value is invalid, then the error does not echo it', () => {
    const secretSpec = { API_SECRET: str({ choices: ['first-key', 'second-key'] }) };
    let message = '';
    try {
      validateConfig(secretSpec, { API_SECRET: 'hunter2-leaked' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/API_SECRET is invalid/);
    expect(message).not.toContain('hunter2-leaked');
  });

  it('when LOG_LEVEL is not a pino level, then it is invalid', () => {
    expect(() => validateConfig(spec, { ...validEnv, LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL is invalid/);
  });
});

describe('durationSeconds', () => {
  const ttlSpec = { TTL: durationSeconds() };

  it.each([
    ['3600', 3600],
    ['90s', 90],
    ['30m', 1800],
    ['12h', 43200],
    ['1d', 86400],
    ['2 weeks', 1209600],
  ])('when TTL is %p, then it is %p seconds', (raw, seconds) => {
    expect(validateConfig(ttlSpec, { TTL: raw }).TTL).toBe(seconds);
  });

  it.each(['0', '-5', '1.5h', 'soon', '10 fortnights', ''])('when TTL is %p, then it is invalid', (raw) => {
    expect(() => validateConfig(ttlSpec, { TTL: raw })).toThrow(/TTL is invalid/);
  });
});
