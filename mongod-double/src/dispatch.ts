// Runs one command: fail points, namespace and primary checks, then the session rules (transaction
// statements, commit/abort, retryable writes) around the command's handler.
import { findCommand, type CommandContext, type CommandSpec, type ConnectionInfo } from './commands';
import { CommandError, ErrorCodes, computeErrorLabels, noSuchTransaction, type LabelContext } from './errors';
import type { FailCommandAction } from './fail-points';
import { prepareReadConcern, withAtClusterTime } from './read-concern';
import { checkWriteConcernShape, writeConcernErrorFor } from './write-concern';
import type { ServerState } from './state';
import { namespaceOf } from './top';
import { Transaction, sessionKeyOf, type Session } from './transactions';
import { bigIntOf, isNumeric, toNumber, type Doc } from './values';

/** The connection is to be closed without a reply (fail point `closeConnection`). */
export const CLOSE_CONNECTION = Symbol('close connection');

export type DispatchResult = Doc | typeof CLOSE_CONNECTION;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorReply(error: unknown, log: ServerState['log']): Doc {
  if (error instanceof CommandError) return error.toReply();
  const message = error instanceof Error ? error.message : String(error);
  log.error('COMMAND', 21962, 'conn', 'Unexpected error while running a command', {
    error: message,
    stack: error instanceof Error ? error.stack : undefined,
  });
  return { ok: 0, errmsg: message, code: ErrorCodes.InternalError, codeName: 'InternalError' };
}

/** A stepped-down member: transactions and primary reads are refused as on any secondary. */
function refuseOnSecondary(name: string, body: Doc, spec: CommandSpec, inTransaction: boolean): void {
  const isCommitOrAbort = name === 'commitTransaction' || name === 'abortTransaction';
  if (inTransaction || isCommitOrAbort) throw new CommandError(ErrorCodes.NotWritablePrimary, 'not primary');
  if (!spec.read) return;
  const readPreference = body.$readPreference;
  const mode = readPreference !== null && typeof readPreference === 'object' ? (readPreference as Doc).mode : undefined;
  if (mode === undefined || mode === 'primary') {
    throw new CommandError(ErrorCodes.NotPrimaryNoSecondaryOk, 'not primary and secondaryOk=false');
  }
}

export class Dispatcher {
  constructor(private readonly server: ServerState) {}

  async run(connection: ConnectionInfo, db: string, body: Doc): Promise<DispatchResult> {
    const name = Object.keys(body)[0];
    const spec = name === undefined ? undefined : findCommand(name);
    if (name === undefined || !spec) {
      return new CommandError(ErrorCodes.CommandNotFound, `no such command: '${name ?? ''}'`).toReply();
    }
    const started = process.hrtime.bigint();
    const reply = await this.runKnown(connection, db, name, body, spec);
    this.recordTop(db, name, body, spec, reply, Number((process.hrtime.bigint() - started) / 1000n));
    const counts = this.server.commandCounts.get(name) ?? { total: 0, failed: 0 };
    counts.total += 1;
    if (reply !== CLOSE_CONNECTION && reply.ok !== 1) counts.failed += 1;
    this.server.commandCounts.set(name, counts);
    return reply;
  }

  /** Counts the command against its collection for `top`; a dropped collection's counters go with it. */
  private recordTop(db: string, name: string, body: Doc, spec: CommandSpec, reply: DispatchResult, micros: number): void {
    const { top } = this.server;
    const succeeded = reply !== CLOSE_CONNECTION && reply.ok === 1;
    if (name === 'dropDatabase' && succeeded) return top.forgetDatabase(db);
    const namespace = namespaceOf(db, name, body);
    if (namespace === undefined) return;
    if (name === 'drop' && succeeded) return top.forget(namespace);
    top.record(namespace, name, spec.write === true, micros);
  }

  private async runKnown(connection: ConnectionInfo, db: string, name: string, body: Doc, spec: CommandSpec): Promise<DispatchResult> {
    const sessionKey = sessionKeyOf(body.lsid);
    const inTransaction = body.autocommit === false;
    const retryableWrite = !inTransaction && spec.retryableWrite === true && sessionKey !== undefined && body.txnNumber !== undefined;
    const isCommitOrAbort = name === 'commitTransaction' || name === 'abortTransaction';
    const labels: LabelContext = {
      inTransaction: inTransaction && body.txnNumber !== undefined,
      retryableWrite,
      isCommitOrAbort,
      writeConcernCode: undefined,
    };
    const failure = this.server.failPoints.check(name, connection.appName);
    if (failure) {
      if (failure.blockMs > 0) await sleep(failure.blockMs);
      if (failure.closeConnection) return CLOSE_CONNECTION;
    }
    let reply: DispatchResult;
    if (failure?.error) {
      reply = failure.error;
    } else {
      try {
        reply = await this.execute(connection, db, name, body, spec, { inTransaction, retryableWrite, sessionKey });
      } catch (error) {
        reply = errorReply(error, this.server.log);
      }
    }
    if (reply === CLOSE_CONNECTION) return reply;
    return this.finish(reply, body, spec.write === true || isCommitOrAbort, labels, failure);
  }

  private async execute(
    connection: ConnectionInfo,
    db: string,
    name: string,
    body: Doc,
    spec: CommandSpec,
    how: { inTransaction: boolean; retryableWrite: boolean; sessionKey: string | undefined },
  ): Promise<DispatchResult> {
    if (spec.adminOnly && db !== 'admin') {
      throw new CommandError(13, `${name} may only be run against the admin database.`);
    }
    if (spec.write && !this.server.writable) throw new CommandError(ErrorCodes.NotWritablePrimary, 'not primary');
    if (this.server.steppedDown) refuseOnSecondary(name, body, spec, how.inTransaction);
    checkWriteConcernShape(body.writeConcern);
    const isCommitOrAbort = name === 'commitTransaction' || name === 'abortTransaction';
    if (how.inTransaction && !isCommitOrAbort && body.writeConcern !== undefined) {
      throw new CommandError(ErrorCodes.InvalidOptions, 'Cannot set write concern after starting a transaction.');
    }
    const snapshot = prepareReadConcern(this.server, name, body, how.inTransaction);
    const session = how.sessionKey === undefined ? undefined : this.server.sessions.get(how.sessionKey);
    if (isCommitOrAbort) return spec.run(this.context(connection, db, name, body, session, undefined));
    if (how.inTransaction) return this.runInTransaction(connection, db, name, body, spec, session);
    if (how.retryableWrite && session) return this.runRetryable(connection, db, name, body, spec, session);
    const reply = await spec.run(this.context(connection, db, name, body, session, snapshot?.reader));
    return snapshot ? withAtClusterTime(reply, snapshot.atClusterTime) : reply;
  }

  /** Write concern, error labels and cluster time, as mongod adds them to every reply. */
  private finish(reply: Doc, body: Doc, takesWriteConcern: boolean, labels: LabelContext, failure: FailCommandAction | undefined): Doc {
    let out = reply;
    const writeConcernError =
      out.ok === 1 ? (failure?.writeConcernError ?? (takesWriteConcern ? writeConcernErrorFor(body.writeConcern) : undefined)) : undefined;
    if (writeConcernError) out = { ...out, writeConcernError };
    if (out.ok !== 1 || writeConcernError) {
      const code = out.ok !== 1 && isNumeric(out.code) ? toNumber(out.code) : undefined;
      const wcCode = writeConcernError && isNumeric(writeConcernError.code) ? toNumber(writeConcernError.code) : undefined;
      const existing = Array.isArray(out.errorLabels) ? (out.errorLabels as string[]) : [];
      const computed = failure?.labels ?? [...new Set([...existing, ...computeErrorLabels(code, { ...labels, writeConcernCode: wcCode })])];
      const { errorLabels: _dropped, ...rest } = out;
      out = computed.length > 0 ? { ...rest, errorLabels: computed } : rest;
    }
    if (this.server.replSet?.initiated) out = { ...out, ...this.server.clusterClock.replyFields(this.server.engine.clock) };
    return out;
  }

  private context(
    connection: ConnectionInfo,
    db: string,
    name: string,
    body: Doc,
    session: Session | undefined,
    txn: Transaction | undefined,
  ): CommandContext {
    return { server: this.server, connection, db, name, body, session, txn };
  }

  private async runInTransaction(
    connection: ConnectionInfo,
    db: string,
    name: string,
    body: Doc,
    spec: CommandSpec,
    session: Session | undefined,
  ): Promise<Doc> {
    if (!session) throw new CommandError(ErrorCodes.InvalidOptions, 'Transaction requires a session id (lsid)');
    if (body.txnNumber === undefined)
      throw new CommandError(ErrorCodes.InvalidOptions, "'autocommit' requires a transaction number (txnNumber)");
    const txnNumber = bigIntOf(body.txnNumber);
    let txn: Transaction;
    if (body.startTransaction === true) {
      if (txnNumber < session.txnNumber) {
        throw new CommandError(
          ErrorCodes.TransactionTooOld,
          `Cannot start transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started`,
        );
      }
      if (session.txn && session.txn.txnNumber === txnNumber) {
        throw new CommandError(
          117,
          `Cannot start a transaction at given transaction number ${txnNumber} a transaction with the same number is in state ${session.txn.state}`,
        );
      }
      if (session.txn && session.txn.state === 'inProgress') this.server.engine.abort(session.txn);
      txn = this.begin(session, txnNumber);
    } else {
      const current = session.txn;
      if (!current || current.txnNumber !== txnNumber) {
        if (txnNumber < session.txnNumber) {
          throw new CommandError(
            ErrorCodes.TransactionTooOld,
            `Cannot continue transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started`,
          );
        }
        throw noSuchTransaction(
          `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${session.txnNumber}`,
        );
      }
      if (current.state === 'aborted') throw noSuchTransaction(`Transaction with { txnNumber: ${txnNumber} } has been aborted.`);
      if (current.state === 'committed') {
        throw new CommandError(ErrorCodes.TransactionCommitted, `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
      }
      txn = current;
    }
    if (!spec.inTransaction) {
      this.server.engine.abort(txn);
      throw new CommandError(ErrorCodes.OperationNotSupportedInTransaction, `Cannot run '${name}' in a multi-document transaction.`);
    }
    try {
      const reply = await spec.run(this.context(connection, db, name, body, session, txn));
      // Like mongod, a failed statement aborts its transaction.
      if (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) this.server.engine.abort(txn);
      return reply;
    } catch (error) {
      this.server.engine.abort(txn);
      throw error;
    }
  }

  private begin(session: Session, txnNumber: bigint): Transaction {
    const { engine, log, options } = this.server;
    const txn = new Transaction(session.key, txnNumber, engine.clock);
    engine.begin(txn);
    txn.expiry = setTimeout(() => {
      if (txn.state !== 'inProgress') return;
      log.info('TXN', 51802, 'TransactionReaper', 'Aborting transaction: it exceeded its lifetime', {
        txnNumber: txnNumber.toString(),
        lifetimeMs: options.transactionLifetimeMs,
      });
      engine.abort(txn);
    }, options.transactionLifetimeMs);
    txn.expiry.unref();
    session.txn = txn;
    session.txnNumber = txnNumber;
    return txn;
  }

  private async runRetryable(
    connection: ConnectionInfo,
    db: string,
    name: string,
    body: Doc,
    spec: CommandSpec,
    session: Session,
  ): Promise<DispatchResult> {
    const txnNumber = bigIntOf(body.txnNumber);
    if (session.retryable && session.retryable.txnNumber === txnNumber) return session.retryable.reply;
    if (txnNumber < session.txnNumber) {
      throw new CommandError(
        ErrorCodes.TransactionTooOld,
        `Retryable write with txnNumber ${txnNumber} is prohibited on session because a newer retryable write with txnNumber ${session.txnNumber} has already started on this session.`,
      );
    }
    const failPoint = this.server.failPoints.checkTransactionalWrite();
    if (failPoint?.failBeforeCommitCode !== undefined) {
      throw new CommandError(failPoint.failBeforeCommitCode, "Failing write before commit via 'onPrimaryTransactionalWrite' failpoint");
    }
    if (session.txn && session.txn.state === 'inProgress') this.server.engine.abort(session.txn);
    session.txnNumber = txnNumber;
    const reply = (async () => spec.run(this.context(connection, db, name, body, session, undefined)))();
    const entry = { txnNumber, reply };
    session.retryable = entry;
    try {
      const result = await reply;
      // The write is applied and remembered: the driver's retry gets this reply, not a second write.
      return failPoint?.closeConnection ? CLOSE_CONNECTION : result;
    } catch (error) {
      // Nothing was applied: let a retry run it again.
      if (session.retryable === entry) session.retryable = undefined;
      throw error;
    }
  }
}
