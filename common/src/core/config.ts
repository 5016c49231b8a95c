import { cleanEnv, CleanedEnv, EnvMissingError, makeValidator, ValidatorSpec } from 'envalid';

/** An envalid spec object: variable name -> validator. A variable without a `default` is required. */
export type ConfigSpec = Record<string, ValidatorSpec<unknown>>;

/**
 * Validates `env` against `spec` and returns the typed, frozen config. Throws (never exits) one Error
 * naming every missing or invalid variable, e.g. `Invalid configuration: JWT_KEY is required`.
 * Values are never echoed (some are secrets): they are masked in validator messages.
 */
export function validateConfig<S extends ConfigSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): CleanedEnv<S> {
  return cleanEnv(env, spec, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).flatMap(([name, error]) => {
        if (!error) return [];
        if (error instanceof EnvMissingError) return [`${name} is required`];
        const raw = env[name];
        const reason = raw ? error.message.split(raw).join('***') : error.message;
        return [`${name} is invalid${reason ? ` (${reason})` : ''}`];
      });
      if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    },
  });
}

/** A string that must not be empty (envalid's `str` accepts ""). */
export const nonEmptyStr = makeValidator<string>((input) => {
  if (input.trim() === '') throw new Error('must not be empty');
  return input;
});

/** A MongoDB connection string (`mongodb://` or `mongodb+srv://`). */
export const mongoUri = makeValidator<string>((input) => {
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(input)) throw new Error('must be a mongodb:// or mongodb+srv:// URI');
  return input;
});

const DURATION_UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  week: 604800,
  weeks: 604800,
};

/**
 * A positive duration parsed to whole seconds: `3600` (seconds), `90s`, `30m`, `12h`, `1d`, `2 weeks`.
 * Parsing here avoids jsonwebtoken's trap where a unit-less *string* such as "60" means 60 ms.
 */
export const durationSeconds = makeValidator<number>((input) => {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(input.trim());
  const factor = match ? (match[2] === '' ? 1 : DURATION_UNITS[match[2].toLowerCase()]) : undefined;
  const seconds = match && factor !== undefined ? Number(match[1]) * factor : 0;
  if (!(seconds > 0) || !Number.isSafeInteger(seconds)) throw new Error('must be a duration such as 3600, 30m, 12h or 1d');
  return seconds;
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
