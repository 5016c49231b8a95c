import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, flushLogs } from '../logger';

const LOGGER_SOURCE = path.join(__dirname, '..', 'logger.ts');

/** Runs `body` in a fresh Node process with `createLogger` from logger.ts (transpiled on the fly) in scope. */
function runInChild(body: string): void {
  const script = `
    const ts = require('typescript');
    const Module = require('node:module');
    const source = require('node:fs').readFileSync(${JSON.stringify(LOGGER_SOURCE)}, 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true } });
    const m = new Module(${JSON.stringify(LOGGER_SOURCE)});
    m.paths = Module._nodeModulePaths(${JSON.stringify(path.dirname(LOGGER_SOURCE))});
    m._compile(outputText, ${JSON.stringify(LOGGER_SOURCE)});
    const { createLogger } = m.exports;
    ${body}
  `;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: path.dirname(LOGGER_SOURCE),
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  if (child.stderr.length > 0) throw new Error(child.stderr.toString());
}

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logger', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'logger-test-'));

  it('when lines are buffered and flushLogs is called, then every line is in the destination, in order', () => {
    const file = path.join(dir, 'flush.log');
    const logger = createLogger({ name: 'probe', level: 'info', destination: file });
    // Under the 4 KiB a buffer holds before its asynchronous write starts: all of it is still buffered.
    for (let i = 0; i < 20; i += 1) logger.info({ i }, 'line');
    expect(lines(file)).toEqual([]);
    flushLogs();
    expect(lines(file).map((line) => line.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(lines(file)[0]).toMatchObject({ service: 'probe', msg: 'line' });
  });

  it('when a quiet service logs a few lines and nothing flushes, then they are written within moments anyway', async () => {
    const file = path.join(dir, 'quiet.log');
    const logger = createLogger({ name: 'quiet', level: 'info', destination: file });
    logger.info('listening');
    for (let waited = 0; lines(file).length === 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lines(file)).toEqual([expect.objectContaining({ service: 'quiet', msg: 'listening' })]);
  });

  it('when the process exits right after logging (as after a fatal error or SIGTERM), then no buffered line is lost', () => {
    const file = path.join(dir, 'exit.log');
    runInChild(`
      const logger = createLogger({ destination: ${JSON.stringify(file)} });
      for (let i = 0; i < 2000; i += 1) logger.info({ i }, 'before exit');
      logger.fatal('last words');
      process.exit(1);
    `);
    const written = lines(file);
    expect(written).toHaveLength(2001);
    expect(written[2000]).toMatchObject({ msg: 'last words', level: 60 });
  });

  it('when the process gets SIGTERM and its handler exits, then the shutdown lines are written', () => {
    const file = path.join(dir, 'sigterm.log');
    runInChild(`
      const logger = createLogger({ destination: ${JSON.stringify(file)} });
      process.on('SIGTERM', () => { logger.info('Shutting down'); process.exit(0); });
      logger.info('up');
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => undefined, 5000);
    `);
    expect(lines(file).map((line) => line.msg)).toEqual(['up', 'Shutting down']);
  });
});
