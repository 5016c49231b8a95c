import { parseArgs } from 'node:util';
import { createLogger } from '@ticketing/common/core';
import {
  createTransport,
  discardDeadLetter,
  getDeadLetter,
  listDeadLetters,
  replayDeadLetter,
  type DeadLetter,
  type Transport,
  type TransportConfig,
} from '@ticketing/common/transport';
import { describeLetter, letterTable } from './format';

export const DEAD_LETTERS_USAGE = `Usage: npm run dead-letters -- <command> [ID] [options]

The events a queue group gave up on (JetStream's DEAD_LETTERS stream), for operators.

Commands:
  list          every dead letter, oldest first: id, time, queue group, subject, deliveries, reason
  show ID       one dead letter in full: its event's data, message id, consumer, reason, source
  replay ID     publish the event again for the queue group that dead-lettered it only (every other
                group acknowledges the replay without applying it), then remove the dead letter
  discard ID    remove the dead letter; the event is not delivered again

Options:
  --queue-group GROUP  list: only GROUP's dead letters; show, replay, discard: refuse unless the
                       dead letter is GROUP's (e.g. orders-service)
  --json               machine-readable output: an array for list, an object otherwise
  -h, --help           this text

Environment (the services' own variables, read the same way):
  NATS_URL             the broker, e.g. nats://127.0.0.1:4222 (required)
  NATS_USER            the NATS user; listing and replaying need an operator's permissions
  NATS_PASSWORD        that user's password (both or neither)
  NATS_TRANSPORT       jetstream (default); NATS Streaming keeps no dead letters
  NATS_CLIENT_ID       the connection's name (optional)

Exit status: 0 done; 1 the broker or the dead letter said no (unknown id, wrong group, unreachable);
2 a usage mistake (unknown command or option, missing ID).`;

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

type Command = 'list' | 'show' | 'replay' | 'discard';

interface Invocation {
  command: Command;
  id: string | undefined;
  queueGroup: string | undefined;
  json: boolean;
}

class UsageError extends Error {}

const COMMANDS: readonly Command[] = ['list', 'show', 'replay', 'discard'];

function parse(argv: readonly string[]): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'queue-group': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [name, id, ...extra] = positionals;
  if (name === undefined) throw new UsageError('no command given');
  const command = COMMANDS.find((c) => c === name);
  if (!command) throw new UsageError(`unknown command "${name}"`);
  if (command === 'list' && id !== undefined) throw new UsageError('list takes no ID');
  if (command !== 'list' && id === undefined) throw new UsageError(`${command} needs a dead letter ID (see list)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values['queue-group'] === '') throw new UsageError('--queue-group needs a queue group name');
  return { command, id, queueGroup: values['queue-group'], json: values.json === true };
}

/** The services' broker variables (common's createTransport reads NATS_USER / NATS_PASSWORD as they do). */
function transportConfig(env: NodeJS.ProcessEnv): TransportConfig {
  const url = env.NATS_URL ?? '';
  if (url === '') throw new Error('NATS_URL is not set (e.g. NATS_URL=nats://127.0.0.1:4222)');
  const kind = env.NATS_TRANSPORT || 'jetstream';
  if (kind !== 'jetstream') throw new Error(`NATS_TRANSPORT is "${kind}": only JetStream keeps dead letters`);
  return {
    NATS_TRANSPORT: 'jetstream',
    NATS_URL: url,
    NATS_USER: env.NATS_USER,
    NATS_PASSWORD: env.NATS_PASSWORD,
    NATS_CLIENT_ID: env.NATS_CLIENT_ID || 'dead-letters-cli',
  };
}

async function execute(transport: Transport, call: Invocation, io: CommandIo): Promise<void> {
  const print = (json: unknown, text: string): void => io.out(call.json ? JSON.stringify(json, null, 2) : text);
  const options = { queueGroup: call.queueGroup };
  if (call.command === 'list') {
    const letters = (await listDeadLetters(transport)).filter((l) => !call.queueGroup || l.queueGroup === call.queueGroup);
    const none = call.queueGroup ? `No dead letters for ${call.queueGroup}.` : 'No dead letters.';
    return print(letters, letters.length === 0 ? none : letterTable(letters));
  }
  const id = call.id ?? '';
  const letter: DeadLetter | undefined = await getDeadLetter(transport, id);
  if (!letter) throw new Error(`No dead letter with id ${id}`);
  if (call.queueGroup && letter.queueGroup !== call.queueGroup) {
    throw new Error(`Dead letter ${id} belongs to queue group ${letter.queueGroup}, not ${call.queueGroup}`);
  }
  switch (call.command) {
    case 'show':
      return print(letter, describeLetter(letter));
    case 'replay': {
      const ack = await replayDeadLetter(transport, id, options);
      const where = ack.stream ? ` (stream ${ack.stream}, sequence ${ack.seq})` : '';
      return print(
        { replayed: letter, queueGroup: letter.queueGroup, ack },
        `Replayed dead letter ${id}, ${letter.subject} ${letter.msgId ?? ''}, for ${letter.queueGroup} only${where}; it is no longer a dead letter.`,
      );
    }
    case 'discard':
      await discardDeadLetter(transport, id, options);
      return print({ discarded: letter }, `Discarded dead letter ${id}, ${letter.subject} ${letter.msgId ?? ''} of ${letter.queueGroup}.`);
  }
}

/** `npm run dead-letters -- ...`: returns the exit status (usage mistakes 2, failures 1). */
export async function runDeadLettersCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let call: Invocation | 'help';
  try {
    call = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`dead-letters: ${err.message}\n\n${DEAD_LETTERS_USAGE}`);
    return 2;
  }
  if (call === 'help') {
    io.out(DEAD_LETTERS_USAGE);
    return 0;
  }
  let transport: Transport | undefined;
  try {
    // Logs are for services; the command reports its own failures on stderr.
    const logger = createLogger({ level: io.env.LOG_LEVEL || 'silent' });
    transport = await createTransport(transportConfig(io.env), { logger, connectTimeoutMs: 5_000, publishTimeoutMs: 10_000 });
    await execute(transport, call, io);
    return 0;
  } catch (err) {
    io.err(`dead-letters: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await transport?.close();
  }
}
