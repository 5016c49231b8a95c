// Fail points, as drivers' test suites use them through configureFailPoint:
// - failCommand: fail the next N matching commands with an error code (and labels), a write concern
//   error, a closed connection, or block for a while;
// - onPrimaryTransactionalWrite: a retryable write is applied and then its connection is closed (or
//   it fails before it commits), which shows the driver's retry is applied exactly once.
import { CommandError, ErrorCodes, codeName } from './errors';
import { intOption, isDoc, type Doc } from './values';

export interface FailCommandAction {
  blockMs: number;
  closeConnection: boolean;
  /** The injected error, without labels (the dispatcher adds mongod's, or `labels`). */
  error: Doc | undefined;
  writeConcernError: Doc | undefined;
  /** errorLabels given in the fail point's data: they replace the labels mongod would compute. */
  labels: string[] | undefined;
}

interface Activations {
  /** Remaining activations; Infinity for alwaysOn. */
  remaining: number;
  skip: number;
}

interface FailCommandConfig extends Activations {
  commands: Set<string>;
  appName: string | undefined;
  errorCode: number | undefined;
  errorLabels: string[] | undefined;
  errmsg: string | undefined;
  closeConnection: boolean;
  blockMs: number;
  writeConcernError: Doc | undefined;
}

export interface TransactionalWriteAction {
  /** Close the connection after the write is applied (mongod's default for this fail point). */
  closeConnection: boolean;
  /** Fail before the write commits with this code instead. */
  failBeforeCommitCode: number | undefined;
}

interface TransactionalWriteConfig extends Activations, TransactionalWriteAction {}

function parseMode(mode: unknown): Activations | undefined {
  if (mode === 'off') return undefined;
  if (mode === 'alwaysOn') return { remaining: Number.POSITIVE_INFINITY, skip: 0 };
  if (isDoc(mode) && mode.times !== undefined) return { remaining: intOption(mode.times, 0), skip: 0 };
  if (isDoc(mode) && mode.skip !== undefined) return { remaining: Number.POSITIVE_INFINITY, skip: intOption(mode.skip, 0) };
  throw new CommandError(ErrorCodes.BadValue, 'mode must be "alwaysOn", "off", { times: n } or { skip: n }');
}

/** Consumes one activation; false while skipping. */
function activate(config: Activations): boolean {
  if (config.skip > 0) {
    config.skip -= 1;
    return false;
  }
  config.remaining -= 1;
  return true;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((l): l is string => typeof l === 'string') : undefined;
}

export class FailPoints {
  private failCommand: FailCommandConfig | undefined;
  private transactionalWrite: TransactionalWriteConfig | undefined;

  configure(body: Doc): Doc {
    const name = body.configureFailPoint;
    const activations = parseMode(body.mode);
    const data = isDoc(body.data) ? body.data : {};
    if (name === 'onPrimaryTransactionalWrite') {
      this.transactionalWrite = activations && {
        ...activations,
        closeConnection: data.closeConnection !== false,
        failBeforeCommitCode:
          data.failBeforeCommitExceptionCode === undefined ? undefined : intOption(data.failBeforeCommitExceptionCode, 0),
      };
      return { count: 0, ok: 1 };
    }
    if (name !== 'failCommand') {
      throw new CommandError(
        ErrorCodes.BadValue,
        `Cannot configure fail point ${String(name)}: only failCommand and onPrimaryTransactionalWrite are supported by the test double`,
      );
    }
    if (!activations) {
      this.failCommand = undefined;
      return { count: 0, ok: 1 };
    }
    const commands = stringArray(data.failCommands) ?? [];
    if (commands.length === 0) throw new CommandError(ErrorCodes.BadValue, 'data.failCommands must be a non-empty array of command names');
    this.failCommand = {
      ...activations,
      commands: new Set(commands),
      appName: typeof data.appName === 'string' ? data.appName : undefined,
      errorCode: data.errorCode === undefined ? undefined : intOption(data.errorCode, 0),
      errorLabels: stringArray(data.errorLabels),
      errmsg: typeof data.errmsg === 'string' ? data.errmsg : undefined,
      closeConnection: data.closeConnection === true,
      blockMs: data.blockConnection === true ? intOption(data.blockTimeMS, 0) : 0,
      writeConcernError: isDoc(data.writeConcernError) ? data.writeConcernError : undefined,
    };
    return { count: 0, ok: 1 };
  }

  /** What to do with this command, consuming one activation when it matches. */
  check(commandName: string, appName: string | undefined): FailCommandAction | undefined {
    const config = this.failCommand;
    if (!config || !config.commands.has(commandName)) return undefined;
    if (config.appName !== undefined && config.appName !== appName) return undefined;
    if (!activate(config)) return undefined;
    if (config.remaining <= 0) this.failCommand = undefined;
    let error: Doc | undefined;
    if (config.errorCode !== undefined) {
      error = {
        ok: 0,
        errmsg: config.errmsg ?? "Failing command via 'failCommand' failpoint",
        code: config.errorCode,
        codeName: codeName(config.errorCode),
      };
    }
    return {
      blockMs: config.blockMs,
      closeConnection: config.closeConnection,
      error,
      writeConcernError: config.writeConcernError,
      labels: config.errorLabels,
    };
  }

  /** For a retryable write about to run: whether onPrimaryTransactionalWrite fires. */
  checkTransactionalWrite(): TransactionalWriteAction | undefined {
    const config = this.transactionalWrite;
    if (!config || !activate(config)) return undefined;
    if (config.remaining <= 0) this.transactionalWrite = undefined;
    return { closeConnection: config.closeConnection, failBeforeCommitCode: config.failBeforeCommitCode };
  }
}
