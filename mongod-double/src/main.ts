// Entry point of bin/mongod.
import { DOUBLE_NOTICE, helpText, parseArgs, versionText } from './cli';
import { Logger, stdoutSink } from './log';
import { MongodServer } from './server';
import { SERVER_VERSION, ServerState } from './state';

function exitAfterFlush(code: number): void {
  // Let stdout drain (it is a pipe under mongodb-memory-server) before exiting.
  process.stdout.write('', () => process.exit(code));
}

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`Error parsing command line: ${error instanceof Error ? error.message : String(error)}\n${helpText()}`);
    process.exit(2);
  }
  if (parsed.kind === 'version') {
    process.stdout.write(versionText());
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  const log = new Logger(stdoutSink);
  const { options } = parsed;
  log.warn('CONTROL', 22120, 'initandlisten', DOUBLE_NOTICE);
  log.info('CONTROL', 4615611, 'initandlisten', 'MongoDB starting', {
    pid: process.pid,
    port: options.port,
    dbPath: options.dbPath ?? null,
    architecture: '64-bit',
    host: 'localhost',
  });
  log.info('CONTROL', 23403, 'initandlisten', 'Build Info', {
    buildInfo: { version: SERVER_VERSION, gitVersion: 'ticketing-test-double', testDouble: true },
  });
  for (const item of parsed.ignored)
    log.info('CONTROL', 21951, 'initandlisten', 'Option accepted and ignored by the test double', { option: item });
  for (const warning of parsed.warnings) log.warn('CONTROL', 21952, 'initandlisten', warning);
  if (options.dbPath)
    log.info('STORAGE', 22315, 'initandlisten', 'dbpath accepted; data is kept in memory only', { dbPath: options.dbPath });

  const state = new ServerState(options, log);
  const server = new MongodServer(state);
  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('CONTROL', 23377, 'SignalHandler', 'Received shutdown request', { reason });
    void server.close().finally(() => {
      log.info('CONTROL', 20565, 'SignalHandler', 'Now exiting');
      log.info('CONTROL', 23138, 'SignalHandler', 'Shutting down', { exitCode: 0 });
      exitAfterFlush(0);
    });
  };
  state.shutdown = () => stop('shutdown command');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));

  try {
    await server.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? 'Address already in use' : error instanceof Error ? error.message : String(error);
    log.error('CONTROL', 20568, 'initandlisten', 'Error setting up listener', {
      error: { code: 9001, codeName: 'SocketException', errmsg: message },
    });
    exitAfterFlush(code === 'EADDRINUSE' ? 48 : 1);
    return;
  }
  if (options.port === 0) state.options.port = server.port;
  log.info('NETWORK', 23016, 'listener', 'Waiting for connections', { port: server.port, ssl: 'off' });
}
