import { str } from 'envalid';
import { durationSeconds, validateConfig } from '../../core';
import { generateSessionKeyPair, httpConfigSpec, mongoConfigSpec, sessionCheckConfigSpec, sessionSigningConfigSpec } from '..';

const KEYS = generateSessionKeyPair();
const spec = { ...httpConfigSpec, ...mongoConfigSpec };
const validEnv = { JWT_PUBLIC_KEY: KEYS.publicKey, MONGO_URI: 'mongodb://auth-mongo:27017/auth' };

describe('validateConfig', () => {
  it('when required variables are present, then defaults fill the rest', () => {
    const config = validateConfig(spec, validEnv);
    expect(config.PORT).toBe(3000);
    expect(config.JWT_PUBLIC_KEY).toBe(KEYS.publicKey);
    expect(config.COOKIE_SECURE).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.MONGO_URI).toBe('mongodb://auth-mongo:27017/auth');
  });

  it('when values are given, then they are parsed to their types', () => {
    const config = validateConfig(spec, {
      ...validEnv,
      PORT: '4000',
      COOKIE_SECURE: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ PORT: 4000, COOKIE_SECURE: false, LOG_LEVEL: 'debug' });
  });

  it('when JWT_PUBLIC_KEY is missing, then the error names it', () => {
    expect(() => validateConfig(spec, { MONGO_URI: validEnv.MONGO_URI })).toThrow('Invalid configuration: JWT_PUBLIC_KEY is required');
  });

  it.each([
    ['empty', ''],
    ['a shared secret', 'secret'],
    ['a private key', KEYS.privateKey],
  ])('when JWT_PUBLIC_KEY is %s, then it is invalid, and the value is not echoed', (_label, value) => {
    expect(() => validateConfig(spec, { ...validEnv, JWT_PUBLIC_KEY: value })).toThrow(/JWT_PUBLIC_KEY is invalid/);
    try {
      validateConfig(spec, { ...validEnv, JWT_PUBLIC_KEY: value });
    } catch (error) {
      if (value) expect((error as Error).message).not.toContain(value);
    }
  });

  it('when a PEM comes on one line with literal \\n, then it is accepted', () => {
    expect(() => validateConfig(spec, { ...validEnv, JWT_PUBLIC_KEY: KEYS.publicKey.replace(/\n/g, '\\n') })).not.toThrow();
  });

  it('when auth reads the signing spec, then JWT_TTL defaults to 12h, the idle timeout to 30m, and more than 12h is refused', () => {
    const signing = validateConfig(sessionSigningConfigSpec, { JWT_PRIVATE_KEY: KEYS.privateKey });
    expect(signing).toMatchObject({ JWT_TTL: 43200, SESSION_IDLE_TIMEOUT: 1800 });
    expect(validateConfig(sessionSigningConfigSpec, { JWT_PRIVATE_KEY: KEYS.privateKey, JWT_TTL: '2h' }).JWT_TTL).toBe(7200);
    expect(() => validateConfig(sessionSigningConfigSpec, { JWT_PRIVATE_KEY: KEYS.privateKey, JWT_TTL: '1d' })).toThrow(
      /JWT_TTL is invalid/,
    );
    expect(() => validateConfig(sessionSigningConfigSpec, { JWT_PRIVATE_KEY: KEYS.publicKey })).toThrow(/JWT_PRIVATE_KEY is invalid/);
  });

  it('when a service that is not auth reads the check spec, then AUTH_URL is required and must be a URL', () => {
    expect(() => validateConfig(sessionCheckConfigSpec, {})).toThrow(/AUTH_URL is required/);
    expect(validateConfig(sessionCheckConfigSpec, { AUTH_URL: 'http://auth-srv:3000' }).AUTH_URL).toBe('http://auth-srv:3000');
  });

  it('when several variables are wrong, then every one is named in one error', () => {
    let message = '';
    try {
      validateConfig(spec, { PORT: 'eighty', COOKIE_SECURE: 'maybe', MONGO_URI: 'http://x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: /);
    for (const name of ['PORT is invalid', 'JWT_PUBLIC_KEY is required', 'COOKIE_SECURE is invalid', 'MONGO_URI is invalid']) {
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
