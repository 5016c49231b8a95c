// Every command the test double answers, by name.
import { adminCommands } from './admin';
import { ddlCommands } from './ddl';
import { explainCommands } from './explain';
import { handshakeCommands } from './handshake';
import { readCommands } from './read';
import { replicationCommands } from './replication';
import { sessionCommands } from './sessions';
import type { CommandSpec, CommandTable } from './types';
import { writeCommands } from './write';

export const commands: CommandTable = {
  ...handshakeCommands,
  ...replicationCommands,
  ...adminCommands,
  ...ddlCommands,
  ...readCommands,
  ...explainCommands,
  ...writeCommands,
  ...sessionCommands,
};

export function findCommand(name: string): CommandSpec | undefined {
  return Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
}

export { endSession } from './sessions';
export type { CommandContext, CommandSpec, ConnectionInfo } from './types';
