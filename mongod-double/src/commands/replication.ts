// A single-node replica set: initiate, status, config, and shutdown.
import { Long, Timestamp } from 'bson';
import { CommandError, ErrorCodes } from '../errors';
import { isDoc, type Doc } from '../values';
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

function status(ctx: CommandContext): Doc {
  const replSet = requireReplSet(ctx);
  if (!replSet.initiated) throw new CommandError(ErrorCodes.NotYetInitialized, 'no replset config has been received');
  const now = new Date();
  const optime = { ts: Timestamp.fromBits(1, Math.floor(now.getTime() / 1000)), t: Long.fromNumber(1) };
  return {
    set: replSet.name,
    date: now,
    myState: 1,
    term: Long.fromNumber(1),
    heartbeatIntervalMillis: Long.fromNumber(2000),
    members: [
      {
        _id: 0,
        name: ctx.server.me,
        health: 1,
        state: 1,
        stateStr: 'PRIMARY',
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
  replSetStepDown: {
    run: () => {
      throw new CommandError(ErrorCodes.NotWritablePrimary, 'the test double is a single-node replica set and cannot step down');
    },
    adminOnly: true,
  },
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
