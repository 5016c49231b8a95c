// The `failCommand` fail point (configureFailPoint), as drivers' test suites use it: fail the next N
// matching commands with an error code and labels, close the connection, or block for a while.
import { CommandError, ErrorCodes, RETRYABLE_WRITE_CODES, codeName } from './errors';
import { intOption, isDoc, type Doc } from './values';

export interface FailCommandAction {
  blockMs: number;
  closeConnection: boolean;
  error: Doc | undefined;
  writeConcernError: Doc | undefined;
}

interface FailCommandConfig {
  /** Remaining activations; Infinity for alwaysOn. */
  remaining: number;
  skip: number;
  commands: Set<string>;
  appName: string | undefined;
  errorCode: number | undefined;
  errorLabels: string[] | undefined;
  errmsg: string | undefined;
  closeConnection: boolean;
  blockMs: number;
  writeConcernError: Doc | undefined;
}

export class FailPoints {
  private failCommand: FailCommandConfig | undefined;

  configure(body: Doc): Doc {
    const name = body.configureFailPoint;
    if (name !== 'failCommand') {
      throw new CommandError(ErrorCodes.BadValue, `Cannot configure fail point ${String(name)}: only failCommand is supported by the test double`);
    }
    const mode = body.mode;
    let remaining: number;
    let skip = 0;
    if (mode === 'off') {
      this.failCommand = undefined;
      return { count: 0, ok: 1 };
    } else if (mode === 'alwaysOn') {
      remaining = Number.POSITIVE_INFINITY;
    } else if (isDoc(mode) && mode.times !== undefined) {
      remaining = intOption(mode.times, 0);
    } else if (isDoc(mode) && mode.skip !== undefined) {
      remaining = Number.POSITIVE_INFINITY;
      skip = intOption(mode.skip, 0);
    } else {
      throw new CommandError(ErrorCodes.BadValue, 'mode must be "alwaysOn", "off", { times: n } or { skip: n }');
    }
    const data = isDoc(body.data) ? body.data : {};
    const commands = Array.isArray(data.failCommands) ? data.failCommands.filter((c): c is string => typeof c === 'string') : [];
    if (commands.length === 0) throw new CommandError(ErrorCodes.BadValue, 'data.failCommands must be a non-empty array of command names');
    this.failCommand = {
      remaining,
      skip,
      commands: new Set(commands),
      appName: typeof data.appName === 'string' ? data.appName : undefined,
      errorCode: data.errorCode === undefined ? undefined : intOption(data.errorCode, 0),
      errorLabels: Array.isArray(data.errorLabels) ? data.errorLabels.filter((l): l is string => typeof l === 'string') : undefined,
      errmsg: typeof data.errmsg === 'string' ? data.errmsg : undefined,
      closeConnection: data.closeConnection === true,
      blockMs: data.blockConnection === true ? intOption(data.blockTimeMS, 0) : 0,
      writeConcernError: isDoc(data.writeConcernError) ? data.writeConcernError : undefined,
    };
    return { count: 0, ok: 1 };
  }

  /** What to do with this command, consuming one activation when it matches. */
  check(commandName: string, appName: string | undefined, isRetryableWrite: boolean): FailCommandAction | undefined {
    const config = this.failCommand;
    if (!config || !config.commands.has(commandName)) return undefined;
    if (config.appName !== undefined && config.appName !== appName) return undefined;
    if (config.skip > 0) {
      config.skip -= 1;
      return undefined;
    }
    config.remaining -= 1;
    if (config.remaining <= 0) this.failCommand = undefined;
    let error: Doc | undefined;
    if (config.errorCode !== undefined) {
      error = {
        ok: 0,
        errmsg: config.errmsg ?? "Failing command via 'failCommand' failpoint",
        code: config.errorCode,
        codeName: codeName(config.errorCode),
      };
      const labels = config.errorLabels ?? (isRetryableWrite && RETRYABLE_WRITE_CODES.has(config.errorCode) ? ['RetryableWriteError'] : []);
      if (labels.length > 0) error.errorLabels = labels;
    }
    return { blockMs: config.blockMs, closeConnection: config.closeConnection, error, writeConcernError: config.writeConcernError };
  }
}
