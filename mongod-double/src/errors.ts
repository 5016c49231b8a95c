// MongoDB error codes, code names and labels, as drivers and mongoose recognise them.
import type { Doc } from './values';

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  UnknownError: 8,
  LockTimeout: 24,
  WriteConcernFailed: 64,
  UnknownReplWriteConcern: 79,
  UnsatisfiableWriteConcern: 100,
  GraphContainsCycle: 93,
  DocumentValidationFailure: 121,
  QueryFeatureNotAllowed: 224,
  CommandNotSupportedOnView: 166,
  OptionNotSupportedOnView: 167,
  SnapshotTooOld: 239,
  SnapshotUnavailable: 246,
  PreparedTransactionInProgress: 267,
  IDLUnknownField: 40415,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  AlreadyInitialized: 23,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  EmptyFieldName: 56,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  ShutdownInProgress: 91,
  NotYetInitialized: 94,
  OperationFailed: 96,
  WriteConflict: 112,
  CommandFailed: 125,
  NoSuchSession: 206,
  TransactionTooOld: 225,
  NotImplemented: 238,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  NotWritablePrimary: 10107,
  NotPrimaryNoSecondaryOk: 13435,
  DuplicateKey: 11000,
  Interrupted: 11601,
} as const;

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));
// Codes a test may pass to the failCommand fail point that are not in the table above.
Object.assign(CODE_NAMES, {
  6: 'HostUnreachable',
  7: 'HostNotFound',
  89: 'NetworkTimeout',
  134: 'ReadConcernMajorityNotAvailableYet',
  150: 'StaleEpoch',
  189: 'PrimarySteppedDown',
  262: 'ExceededTimeLimit',
  9001: 'SocketException',
  11600: 'InterruptedAtShutdown',
  11602: 'InterruptedDueToReplStateChange',
  13436: 'NotPrimaryOrSecondary',
  63: 'StaleShardVersion',
  13388: 'StaleConfig',
  280: 'StaleChunkHistory',
});

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `Location${code}`;
}

/** Codes drivers retry a retryable write on; the server labels them `RetryableWriteError`. */
export const RETRYABLE_WRITE_CODES = new Set([6, 7, 89, 91, 134, 150, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63]);

export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';
export const RETRYABLE_WRITE_ERROR = 'RetryableWriteError';

// mongod's error_labels.cpp: conflicts, lock timeouts, prepared transactions, snapshot and
// routing errors leave a transaction with no side effects, so it may be retried whole.
const TRANSIENT_CODES = new Set([112, 24, 267, 239, 246, 280, 63, 150, 13388]);

export interface LabelContext {
  /** The command carries a txnNumber and autocommit (a transaction statement, commit or abort). */
  inTransaction: boolean;
  /** A retryable write: txnNumber without autocommit. */
  retryableWrite: boolean;
  isCommitOrAbort: boolean;
  writeConcernCode: number | undefined;
}

/** The labels mongod computes for a failed command (error_labels.cpp, ErrorLabelBuilder). */
export function computeErrorLabels(code: number | undefined, context: LabelContext): string[] {
  const wcCode = context.writeConcernCode;
  if (code !== undefined && context.inTransaction) {
    let transient = TRANSIENT_CODES.has(code);
    if (context.isCommitOrAbort) transient ||= code === ErrorCodes.NoSuchTransaction && wcCode === undefined;
    else transient ||= RETRYABLE_WRITE_CODES.has(code) || code === ErrorCodes.NoSuchTransaction;
    if (transient) return [TRANSIENT_TRANSACTION_ERROR];
  }
  const retryable = context.retryableWrite || (context.inTransaction && context.isCommitOrAbort);
  if (
    retryable &&
    ((code !== undefined && RETRYABLE_WRITE_CODES.has(code)) || (wcCode !== undefined && RETRYABLE_WRITE_CODES.has(wcCode)))
  ) {
    return [RETRYABLE_WRITE_ERROR];
  }
  return [];
}

/** A command failure: becomes `{ ok: 0, errmsg, code, codeName, ... }`. */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Doc = {},
    readonly labels: string[] = [],
  ) {
    super(message);
    this.name = 'CommandError';
  }

  get codeName(): string {
    return codeName(this.code);
  }

  toReply(): Doc {
    const reply: Doc = { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
    if (this.labels.length > 0) reply.errorLabels = [...this.labels];
    return reply;
  }
}

export function writeConflict(): CommandError {
  return new CommandError(
    ErrorCodes.WriteConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    {},
    [TRANSIENT_TRANSACTION_ERROR],
  );
}

export function noSuchTransaction(message: string): CommandError {
  return new CommandError(ErrorCodes.NoSuchTransaction, message, {}, [TRANSIENT_TRANSACTION_ERROR]);
}

/** A duplicate key, reported per statement (`writeErrors`) or, for findAndModify, as the command error. */
export class DuplicateKeyError extends CommandError {
  constructor(message: string, keyPattern: Doc, keyValue: Doc) {
    super(ErrorCodes.DuplicateKey, message, { keyPattern, keyValue });
    this.name = 'DuplicateKeyError';
  }
}

export function badValue(message: string): CommandError {
  return new CommandError(ErrorCodes.BadValue, message);
}
