/**
 * JetStream consumer names become subject tokens and file names, so `.`, `*`, `>`, path separators and
 * whitespace are unsafe; the server (2.9) accepts `:` but other tools and file systems may not. Anything
 * but letters, digits, `_` and `-` becomes `-`.
 */
export function sanitizeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '-');
  if (safe.length === 0) throw new Error('a consumer name must not be empty');
  return safe;
}

/**
 * One durable consumer per (queue group, subject): every replica of a service binds to the same
 * durable for a subject, so each event is handled by one replica. `tickets-service` + `order:created`
 * gives `tickets-service_order-created`.
 */
export function durableName(queueGroup: string, subject: string): string {
  return sanitizeName(`${queueGroup}_${subject}`);
}

export const DEFAULT_STREAM_NAME = 'TICKETING';
export const DEFAULT_DEAD_LETTER_STREAM_NAME = 'DEAD_LETTERS';
export const DEAD_LETTER_SUBJECT_PREFIX = 'dead-letter';

/** One subject per dead letter, so "store once" is a last-subject-sequence expectation. */
export function deadLetterSubject(consumer: string, streamSequence: number): string {
  return `${DEAD_LETTER_SUBJECT_PREFIX}.${consumer}.${streamSequence}`;
}
