import type { DeadLetter, DeadLetterStore, PublishAck, Transport } from './transport';

function store(transport: Transport): DeadLetterStore {
  if (!transport.deadLetters) {
    throw new Error(`The ${transport.kind} transport keeps no dead letters (its broker redelivers until acknowledged)`);
  }
  return transport.deadLetters;
}

/** Every recorded dead letter, oldest first. */
export function listDeadLetters(transport: Transport): Promise<DeadLetter[]> {
  return store(transport).list();
}

/**
 * Re-publishes a dead letter's original event (every queue group on its subject receives it again;
 * consumers are idempotent) and removes the dead letter.
 */
export function replayDeadLetter(transport: Transport, id: string): Promise<PublishAck> {
  return store(transport).replay(id);
}
