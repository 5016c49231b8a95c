import { createServer, RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { ConnectOptions, Mongoose } from 'mongoose';
import type { LifecycleHook } from '../core/lifecycle';
import { logger as defaultLogger, Logger } from '../core/logger';

/** The config fields `startService` itself reads. */
export interface BaseServiceConfig {
  PORT: number;
  LOG_LEVEL?: string;
}

export interface ServiceDefinition<C extends BaseServiceConfig> {
  /** Used in log lines, e.g. "auth". */
  name: string;
  /** Validates the environment; throws on a missing or invalid variable. */
  loadConfig: () => C;
  /** Builds the request handler (an Express app); must not connect or listen. */
  createApp: (config: C) => RequestListener;
  /** Started in order before listening (database first, then NATS, listeners, relay...); stopped in reverse. */
  hooks?: (config: C) => readonly LifecycleHook[];
  logger?: Logger;
  /** How long in-flight requests may finish after a stop before their connections are cut. Default 10 s. */
  shutdownGraceMs?: number;
}

export interface RunningService<C> {
  config: C;
  server: Server;
  /** The port actually bound (differs from PORT when PORT is 0). */
  port: number;
  /** Stops accepting, lets in-flight requests finish, then stops the hooks in reverse. Idempotent. */
  stop: () => Promise<void>;
}

async function stopHooks(hooks: readonly LifecycleHook[], logger: Logger): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const hook of [...hooks].reverse()) {
    try {
      await hook.stop();
      logger.info({ hook: hook.name }, 'Stopped');
    } catch (error) {
      logger.error({ err: error, hook: hook.name }, 'Failed to stop');
      failures.push(error);
    }
  }
  return failures;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const forceTimer = setTimeout(() => server.closeAllConnections(), graceMs);
    forceTimer.unref();
    server.close(() => {
      clearTimeout(forceTimer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Validates config, starts the hooks in order, then listens on PORT. If any step fails, whatever was
 * started is stopped again and the error is thrown. Installs no signal handlers (see `runService`).
 */
export async function startService<C extends BaseServiceConfig>(definition: ServiceDefinition<C>): Promise<RunningService<C>> {
  const logger = (definition.logger ?? defaultLogger).child({ service: definition.name });
  const config = definition.loadConfig();
  if (config.LOG_LEVEL) (definition.logger ?? defaultLogger).level = config.LOG_LEVEL;

  const hooks = definition.hooks?.(config) ?? [];
  const started: LifecycleHook[] = [];
  let server: Server | undefined;
  try {
    for (const hook of hooks) {
      await hook.start();
      started.push(hook);
      logger.info({ hook: hook.name }, 'Started');
    }
    server = createServer(definition.createApp(config));
    await listen(server, config.PORT);
  } catch (error) {
    server?.close();
    await stopHooks(started, logger);
    throw error;
  }

  const listening = server;
  const port = (listening.address() as AddressInfo).port;
  logger.info({ port }, 'Listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await closeServer(listening, definition.shutdownGraceMs ?? 10_000);
      logger.info('Stopped accepting requests');
      const failures = await stopHooks(started, logger);
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} hook(s) failed to stop`);
    })();
    return stopping;
  };

  return { config, server: listening, port, stop };
}

export interface RunServiceOptions {
  /** Default SIGTERM (Kubernetes) and SIGINT (Ctrl-C). */
  signals?: readonly NodeJS.Signals[];
  /** Default `process.exit`; replaceable in tests. */
  exit?: (code: number) => void;
}

/**
 * For a service's `src/index.ts`: `startService`, then on SIGTERM/SIGINT stop cleanly and exit 0 (1 when
 * a hook fails to stop). A failure to start is logged and exits 1. Resolves once the service is up (or
 * with undefined after a failed start).
 */
export async function runService<C extends BaseServiceConfig>(
  definition: ServiceDefinition<C>,
  options: RunServiceOptions = {},
): Promise<RunningService<C> | undefined> {
  const logger = (definition.logger ?? defaultLogger).child({ service: definition.name });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];

  let service: RunningService<C>;
  try {
    service = await startService(definition);
  } catch (error) {
    logger.fatal({ err: error }, 'Failed to start');
    exit(1);
    return undefined;
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    for (const name of signals) process.off(name, onSignal);
    logger.info({ signal }, 'Shutting down');
    service.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        exit(1);
      },
    );
  };
  for (const name of signals) process.on(name, onSignal);
  return service;
}

/** Connects mongoose on start and disconnects it on stop. Usually the first hook. */
export function mongooseHook(uri: string, options: { mongoose?: Mongoose; connectOptions?: ConnectOptions } = {}): LifecycleHook {
  const instance = options.mongoose ?? mongoose;
  return {
    name: 'mongodb',
    start: async () => {
      // Mongoose would otherwise capture a stack trace on every query, only to name where a query that
      // is run twice was first run; no service runs a query twice, and the capture showed in profiles.
      instance.set('skipOriginalStackTraces', true);
      await instance.connect(uri, options.connectOptions);
    },
    stop: () => instance.disconnect(),
  };
}
