import { bool, port, str } from 'envalid';
import { durationSeconds, LOG_LEVELS, mongoUri, nonEmptyStr } from '../core/config';

/** What every HTTP service reads: port, session signing and cookie settings, log level. */
export const httpConfigSpec = {
  PORT: port({ default: 3000, desc: 'HTTP port' }),
  JWT_KEY: nonEmptyStr({ desc: 'HS256 key that signs and verifies session tokens' }),
  JWT_TTL: durationSeconds({ default: 86400, desc: 'Session token lifetime, e.g. 1d, 12h, 3600 (seconds)' }),
  COOKIE_SECURE: bool({ default: true, desc: 'Send the session cookie over HTTPS only' }),
  LOG_LEVEL: str({ choices: LOG_LEVELS, default: 'info', desc: 'pino log level' }),
};

/** What every service with a database reads. */
export const mongoConfigSpec = {
  MONGO_URI: mongoUri({ desc: 'MongoDB connection string, including the database name' }),
};
