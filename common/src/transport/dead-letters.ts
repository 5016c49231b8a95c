import type { DeadLetter, DeadLetterStore, PublishAck, Transport } from './transport';

/** `queueGroup`: the caller's expectation of whose dead letter it is; a mismatch is refused. */
export interface ReplayOptions {
  queueGroup?: string;
}

/** What an operator does with dead letters; the JetStream store implements it (NATS Streaming keeps none). */
export interface DeadLetterAdmin extends DeadLetterStore {
  /** One dead letter, or undefined when there is none with that id. */
  get(id: string): Promise<DeadLetter | undefined>;
  /** Re-publishes the original event for its queue group only (see `replayMessageId`) and removes the dead letter. */
  replay(id: string, options?: ReplayOptions): Promise<PublishAck>;
  /** Removes the dead letter without delivering anything. */
  discard(id: string, options?: ReplayOptions): Promise<void>;
}

function store(transport: Transport): DeadLetterAdmin {
  const letters = transport.deadLetters as Partial<DeadLetterAdmin> | undefined;
  if (!letters) {
    throw new Error(`The ${transport.kind} transport keeps no dead letters (its broker redelivers until acknowledged)`);
  }
  if (typeof letters.get !== 'function' || typeof letters.discard !== 'function') {
    throw new Error(`The ${transport.kind} transport's dead letters cannot be shown, replayed or discarded`);
  }
  return letters as DeadLetterAdmin;
}

/** Every recorded dead letter, oldest first. */
export function listDeadLetters(transport: Transport): Promise<DeadLetter[]> {
  return store(transport).list();
}

/** One dead letter by id, or undefined. */
export function getDeadLetter(transport: Transport, id: string): Promise<DeadLetter | undefined> {
  return store(transport).get(id);
}

/**
 * Re-publishes a dead letter's original event for the queue group that gave up on it, and removes the
 * dead letter. The event goes out on its own subject (so the group's durable receives it) with the
 * message id `replayMessageId(...)`: every other group's listener recognises a replay that is not
 * for it and acknowledges it unapplied, so no other group applies the event twice.
 */
export function replayDeadLetter(transport: Transport, id: string, options: ReplayOptions = {}): Promise<PublishAck> {
  return store(transport).replay(id, options);
}

/** Removes a dead letter for good (the event is not delivered again). */
export function discardDeadLetter(transport: Transport, id: string, options: ReplayOptions = {}): Promise<void> {
  return store(transport).discard(id, options);
}

const REPLAY_ID = /^(.*):replay:(\d+):for:([^:]+)$/;

/**
 * The message id of a replay: `<original msgId>:replay:<dead letter id>:for:<queue group>` (the group
 * URI-encoded, so it holds no `:`). New for each replay, so the broker's duplicate window keeps none
 * out; a replay of a replayed event names the first original.
 */
export function replayMessageId(originalMsgId: string, deadLetterId: string, queueGroup: string): string {
  let original = originalMsgId;
  for (let match = REPLAY_ID.exec(original); match; match = REPLAY_ID.exec(original)) original = match[1];
  return `${original}:replay:${deadLetterId}:for:${encodeURIComponent(queueGroup)}`;
}

/** The queue group a replayed event is meant for, from its message id; undefined for an ordinary event. */
export function replayTarget(msgId: string | undefined): string | undefined {
  const match = msgId === undefined ? null : REPLAY_ID.exec(msgId);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[3]);
  } catch {
    return match[3];
  }
}
