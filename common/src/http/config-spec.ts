import { bool, makeValidator, port, str, url } from 'envalid';
import { durationSeconds, LOG_LEVELS, mongoUri } from '../core/config';
import { DEFAULT_SESSION_IDLE_SECONDS, DEFAULT_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS } from './session';
import { sessionPrivateKey, sessionPublicKey } from './session-token';

/** A PEM public key (SPKI), Ed25519 or P-256; literal `\n` are accepted for one-line .env files. */
const publicKeyPem = makeValidator<string>((input) => {
  try {
    sessionPublicKey(input);
  } catch {
    throw new Error('must be a PEM Ed25519 or P-256 public key');
  }
  return input;
});

/** A PEM private key (PKCS#8), Ed25519 or P-256. The message never quotes it. */
const privateKeyPem = makeValidator<string>((input) => {
  try {
    sessionPrivateKey(input);
  } catch {
    throw new Error('must be a PEM Ed25519 or P-256 private key');
  }
  return input;
});

/** A session lifetime: a duration (see `durationSeconds`) of at most 12 hours. */
const sessionTtl = makeValidator<number>((input) => {
  const seconds = durationSeconds()._parse(input);
  if (seconds > MAX_SESSION_TTL_SECONDS) throw new Error('must be at most 12h');
  return seconds;
});

/** What every HTTP service reads: port, session verification and cookie settings, log level. */
export const httpConfigSpec = {
  PORT: port({ default: 3000, desc: 'HTTP port' }),
  JWT_PUBLIC_KEY: publicKeyPem({ desc: 'PEM public key (Ed25519 or P-256) that verifies session tokens' }),
  COOKIE_SECURE: bool({ default: true, desc: 'Send the session cookie over HTTPS only, named __Host-session' }),
  LOG_LEVEL: str({ choices: LOG_LEVELS, default: 'info', desc: 'pino log level' }),
};

/** What every service but auth reads to learn whether a session was signed out. */
export const sessionCheckConfigSpec = {
  AUTH_URL: url({ desc: 'Where auth answers GET /api/users/sessions/:jti, e.g. http://auth-srv:3000' }),
};

/** What auth reads to mint sessions. */
export const sessionSigningConfigSpec = {
  JWT_PRIVATE_KEY: privateKeyPem({ desc: 'PEM private key (Ed25519 or P-256) that signs session tokens; auth only' }),
  JWT_TTL: sessionTtl({ default: DEFAULT_SESSION_TTL_SECONDS, desc: 'Session lifetime, at most 12h, e.g. 12h, 30m, 3600 (seconds)' }),
  SESSION_IDLE_TIMEOUT: durationSeconds({
    default: DEFAULT_SESSION_IDLE_SECONDS,
    desc: 'A session unused this long ends (activity in any service renews it), e.g. 30m',
  }),
};

/** What every service with a database reads. */
export const mongoConfigSpec = {
  MONGO_URI: mongoUri({ desc: 'MongoDB connection string, including the database name' }),
};
