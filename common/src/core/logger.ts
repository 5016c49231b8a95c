import { openSync } from 'node:fs';
import pino, { DestinationStream, Logger, LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Level from LOG_LEVEL; default `info`, and `silent` under Jest (NODE_ENV=test) unless LOG_LEVEL says otherwise. */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): LevelWithSilent | string {
  if (env.LOG_LEVEL) return env.LOG_LEVEL;
  return env.NODE_ENV === 'test' ? 'silent' : 'info';
}

type AsyncDestination = ReturnType<typeof pino.destination>;

// Asynchronous destinations: a log line is a buffered write, not a blocking write(2) on the request path.
// What is still buffered is written out synchronously when the process exits (process.exit after SIGTERM
// or a fatal error, an uncaught exception): pino registers that flush for each asynchronous destination,
// and the tests check it holds.
const destinations = new Map<string | number, AsyncDestination>();

/** How often a buffer below `minLength` is written out anyway, so a quiet service's lines show up. */
const FLUSH_INTERVAL_MS = 250;
let flushTimer: NodeJS.Timeout | undefined;

/**
 * Writes out every buffered log line now, synchronously (pino also does it on process exit). A chunk
 * whose asynchronous write is already under way (only once 4 KiB had been buffered) lands by itself.
 */
export function flushLogs(): void {
  for (const destination of destinations.values()) {
    try {
      destination.flushSync();
    } catch {
      // Not open yet or already closed: nothing of ours is buffered there.
    }
  }
}

function asyncDestination(dest: string | number): DestinationStream {
  let destination = destinations.get(dest);
  if (!destination) {
    // A file is opened here, synchronously, so a line logged just before an exit has somewhere to go.
    const fd = typeof dest === 'number' ? dest : openSync(dest, 'a');
    destination = pino.destination({ dest: fd, sync: false, minLength: 4096 });
    destinations.set(dest, destination);
    // Without it, lines below minLength would wait for more lines (or the exit) to be written.
    flushTimer ??= setInterval(() => {
      for (const each of destinations.values()) {
        try {
          each.flush();
        } catch {
          // Closed: nothing left to write there.
        }
      }
    }, FLUSH_INTERVAL_MS).unref();
  }
  return destination;
}

export interface CreateLoggerOptions {
  name?: string;
  level?: string;
  /** Where the JSON lines go: a file path or descriptor (default 1, stdout), written asynchronously. */
  destination?: string | number;
}

/** A JSON logger to stdout; `name` becomes the `service` field of every line. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const created = pino({ level: options.level ?? defaultLogLevel() }, asyncDestination(options.destination ?? 1));
  return options.name ? created.child({ service: options.name }) : created;
}

/** The process-wide logger. `runService` sets its level from the validated LOG_LEVEL. */
export const logger: Logger = createLogger();
