// A single-node replica set: initiate, status, config, and shutdown.
import { Long, Timestamp } from 'bson';
import { CommandError, ErrorCodes } from '../errors';
import { electionIdOf, type ServerState } from '../state';
import { isDoc, isNumeric, toNumber, type Doc } from '../values';
import type { CommandContext, CommandTable } from './types';

function requireReplSet(ctx: CommandContext): NonNullable<CommandContext['server']['replSet']> {
  const replSet = ctx.server.replSet;
  if (!replSet) throw new CommandError(76, 'not running with --replSet');
  return replSet;
}

function initiate(ctx: CommandContext): Doc {
  const replSet = requireReplSet(ctx);
  if (replSet.initiated) throw new CommandError(ErrorCodes.AlreadyInitialized, 'already initialized');
  const given = isDoc(ctx.body.replSetInitiate) ? ctx.body.replSetInitiate : {};
  if (given._id !== undefined && given._id !== replSet.name) {
    throw new CommandError(
      93,
      `Attempting to initiate a replica set with name ${String(given._id)}, but command line reports ${replSet.name}; rejecting`,
    );
  }
  const members = Array.isArray(given.members) && given.members.length > 0 ? given.members : [{ _id: 0, host: ctx.server.me }];
  replSet.config = {
    _id: replSet.name,
    version: 1,
    term: 1,
    members,
    protocolVersion: Long.fromNumber(1),
    settings: isDoc(given.settings) ? given.settings : {},
  };
  const { log } = ctx.server;
  log.info('REPL', 21356, ctx.connection.id.toString(), 'replSetInitiate admin command received from client');
  // Become primary right after replying, as a real member does after its election.
  setImmediate(() => {
    replSet.initiated = true;
    log.info('REPL', 21358, 'ReplCoord-0', 'Replica set state transition', { newState: 'PRIMARY', oldState: 'SECONDARY' });
    log.info('REPL', 21331, 'OplogApplier-0', 'Transition to primary complete; database writes are now permitted');
  });
  return { ok: 1 };
}

function secondsOption(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (!isNumeric(value) || !Number.isFinite(toNumber(value)))
    throw new CommandError(ErrorCodes.TypeMismatch, `${field} must be a number, not ${typeof value}`);
  return toNumber(value);
}

/** The only member becomes primary again: a new election (a new term, so a new electionId). */
function stepUp(server: ServerState): void {
  const replSet = server.replSet;
  if (!replSet?.steppedDownUntil) return;
  replSet.steppedDownUntil = undefined;
  replSet.term += 1;
  replSet.electionId = electionIdOf(replSet.term);
  server.log.info('REPL', 21358, 'ReplCoord-0', 'Replica set state transition', { newState: 'PRIMARY', oldState: 'SECONDARY' });
  server.log.info('REPL', 21331, 'OplogApplier-0', 'Transition to primary complete; database writes are now permitted');
}

/**
 * replSetStepDown: a secondary for `secs` (default 60), then primary again. Writes fail with
 * NotWritablePrimary meanwhile (drivers retry retryable writes once a primary is back) and open
 * transactions are aborted. mongod 4.2+ keeps idle connections open on stepdown; so does this.
 */
function stepDown(ctx: CommandContext): Doc {
  const replSet = requireReplSet(ctx);
  if (!replSet.initiated) throw new CommandError(ErrorCodes.NotYetInitialized, 'no replset config has been received');
  if (ctx.server.steppedDown) throw new CommandError(ErrorCodes.NotWritablePrimary, "not primary so can't step down");
  const secs = secondsOption(ctx.body.replSetStepDown, 'stepdown period', 60);
  // Checked against the period only when given: with no secondary to catch up, mongod's default (10 s) means nothing.
  const catchUp = secondsOption(ctx.body.secondaryCatchUpPeriodSecs, 'secondaryCatchUpPeriodSecs', 0);
  if (secs <= 0) throw new CommandError(ErrorCodes.BadValue, 'stepdown period must be a positive integer');
  if (catchUp > secs) throw new CommandError(ErrorCodes.BadValue, 'stepdown period must be longer than secondaryCatchUpPeriodSecs');
  const { server } = ctx;
  replSet.steppedDownUntil = Date.now() + secs * 1000;
  server.log.info('REPL', 21358, 'ReplCoord-0', 'Replica set state transition', { newState: 'SECONDARY', oldState: 'PRIMARY' });
  for (const txn of [...server.engine.openTransactions]) server.engine.abort(txn);
  setTimeout(() => stepUp(server), secs * 1000).unref();
  return { ok: 1 };
}

function status(ctx: CommandContext): Doc {
  const replSet = requireReplSet(ctx);
  if (!replSet.initiated) throw new CommandError(ErrorCodes.NotYetInitialized, 'no replset config has been received');
  const now = new Date();
  const term = Long.fromNumber(replSet.term);
  const optime = { ts: Timestamp.fromBits(1, Math.floor(now.getTime() / 1000)), t: term };
  const primary = !ctx.server.steppedDown;
  return {
    set: replSet.name,
    date: now,
    myState: primary ? 1 : 2,
    term,
    heartbeatIntervalMillis: Long.fromNumber(2000),
    members: [
      {
        _id: 0,
        name: ctx.server.me,
        health: 1,
        state: primary ? 1 : 2,
        stateStr: primary ? 'PRIMARY' : 'SECONDARY',
        uptime: Math.floor((now.getTime() - ctx.server.startedAt.getTime()) / 1000),
        optime,
        optimeDate: now,
        self: true,
      },
    ],
    ok: 1,
  };
}

export const replicationCommands: CommandTable = {
  replSetInitiate: { run: initiate, adminOnly: true },
  replSetGetStatus: { run: status, adminOnly: true },
  replSetGetConfig: {
    run: (ctx) => {
      const replSet = requireReplSet(ctx);
      if (!replSet.config) throw new CommandError(ErrorCodes.NotYetInitialized, 'no replset config has been received');
      return { config: replSet.config, ok: 1 };
    },
    adminOnly: true,
  },
  replSetReconfig: {
    run: (ctx) => {
      const replSet = requireReplSet(ctx);
      if (isDoc(ctx.body.replSetReconfig)) replSet.config = { ...ctx.body.replSetReconfig };
      return { ok: 1 };
    },
    adminOnly: true,
  },
  replSetStepDown: { run: stepDown, adminOnly: true },
  shutdown: {
    run: (ctx) => {
      ctx.connection.closeAfterReply = true;
      ctx.server.log.info('COMMAND', 20386, ctx.connection.id.toString(), 'Terminating via shutdown command');
      setImmediate(() => ctx.server.shutdown());
      return { ok: 1 };
    },
    adminOnly: true,
  },
};
