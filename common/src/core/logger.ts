import pino, { Logger, LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Level from LOG_LEVEL; default `info`, and `silent` under Jest (NODE_ENV=test) unless LOG_LEVEL says otherwise. */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): LevelWithSilent | string {
  if (env.LOG_LEVEL) return env.LOG_LEVEL;
  return env.NODE_ENV === 'test' ? 'silent' : 'info';
}

/** A JSON logger to stdout; `name` becomes the `service` field of every line. */
export function createLogger(options: { name?: string; level?: string } = {}): Logger {
  const created = pino({ level: options.level ?? defaultLogLevel() });
  return options.name ? created.child({ service: options.name }) : created;
}

/** The process-wide logger. `runService` sets its level from the validated LOG_LEVEL. */
export const logger: Logger = createLogger();
