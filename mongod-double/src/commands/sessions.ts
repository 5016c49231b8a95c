// Logical sessions and transaction control: commitTransaction, abortTransaction, endSessions, ...
import { UUID } from 'bson';
import { CommandError, ErrorCodes, noSuchTransaction } from '../errors';
import { LOGICAL_SESSION_TIMEOUT_MINUTES, type ServerState } from '../state';
import { sessionKeyOf, type Session, type Transaction } from '../transactions';
import { bigIntOf, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';

function transactionOf(ctx: CommandContext): { session: Session; txn: Transaction } {
  const session = ctx.session;
  if (!session || ctx.body.txnNumber === undefined) {
    throw new CommandError(ErrorCodes.InvalidOptions, `'${ctx.name}' can only be run with a session id and a transaction number`);
  }
  const txnNumber = bigIntOf(ctx.body.txnNumber);
  const txn = session.txn;
  if (!txn || txn.txnNumber !== txnNumber) {
    if (txnNumber < session.txnNumber) {
      throw new CommandError(
        ErrorCodes.TransactionTooOld,
        `Cannot ${ctx.name} transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started`,
      );
    }
    throw noSuchTransaction(`Transaction with { txnNumber: ${txnNumber} } has not been started`);
  }
  return { session, txn };
}

function commitTransaction(ctx: CommandContext): Doc {
  const { txn } = transactionOf(ctx);
  if (txn.state === 'committed') return { ok: 1 };
  if (txn.state === 'aborted') throw noSuchTransaction(`Transaction with { txnNumber: ${txn.txnNumber} } has been aborted.`);
  ctx.server.engine.commit(txn);
  return { ok: 1 };
}

function abortTransaction(ctx: CommandContext): Doc {
  const { txn } = transactionOf(ctx);
  if (txn.state === 'committed')
    throw new CommandError(ErrorCodes.TransactionCommitted, `Transaction with { txnNumber: ${txn.txnNumber} } has been committed.`);
  if (txn.state === 'aborted') throw noSuchTransaction(`Transaction with { txnNumber: ${txn.txnNumber} } has been aborted.`);
  ctx.server.engine.abort(txn);
  return { ok: 1 };
}

/** Ends sessions: aborts their open transactions and closes their cursors. */
export function endSession(server: ServerState, key: string): void {
  const session = server.sessions.delete(key);
  if (session?.txn && session.txn.state === 'inProgress') server.engine.abort(session.txn);
  server.cursors.killSession(key);
}

function endSessions(ctx: CommandContext): Doc {
  const ids = Array.isArray(ctx.body[ctx.name]) ? (ctx.body[ctx.name] as unknown[]) : [];
  for (const lsid of ids) {
    const key = sessionKeyOf(lsid);
    if (key) endSession(ctx.server, key);
  }
  return { ok: 1 };
}

function killAllSessions(ctx: CommandContext): Doc {
  for (const session of ctx.server.sessions.all()) endSession(ctx.server, session.key);
  return { ok: 1 };
}

export const sessionCommands: CommandTable = {
  commitTransaction: { run: commitTransaction, adminOnly: true, inTransaction: true },
  abortTransaction: { run: abortTransaction, adminOnly: true, inTransaction: true },
  endSessions: { run: endSessions },
  killSessions: { run: endSessions },
  killAllSessions: { run: killAllSessions },
  killAllSessionsByPattern: { run: killAllSessions },
  refreshSessions: { run: () => ({ ok: 1 }) },
  refreshLogicalSessionCacheNow: { run: () => ({ ok: 1 }) },
  startSession: { run: () => ({ id: { id: new UUID() }, timeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES, ok: 1 }) },
};
