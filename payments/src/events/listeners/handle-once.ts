import type { AggregateRef } from '@ticketing/common/contracts';
import type { EventOutcome } from '@ticketing/common/events';
import type { OutboxTransaction } from '@ticketing/common/outbox';
import { inbox } from '../../outbox';
import { QUEUE_GROUP_NAME } from '../queue-group-name';

/** Thrown inside the inbox transaction so an early or unknown event leaves no inbox record and comes back. */
class NotYet extends Error {
  constructor(readonly outcome: 'early' | 'unknown') {
    super(outcome);
  }
}

/**
 * Applies an event once through the inbox: the replica's change and the inbox record commit together.
 * 'early' and 'unknown' roll the transaction back (nothing recorded), so the redelivery is applied.
 */
export async function handleOnce(
  subject: string,
  data: AggregateRef,
  apply: (tx: OutboxTransaction) => Promise<EventOutcome>,
): Promise<EventOutcome> {
  let outcome: EventOutcome = 'applied';
  try {
    const result = await inbox.handleOnce(QUEUE_GROUP_NAME, subject, data, async (tx) => {
      outcome = await apply(tx);
      if (outcome === 'early' || outcome === 'unknown') throw new NotYet(outcome);
    });
    return result === 'duplicate' ? 'duplicate' : outcome;
  } catch (error) {
    if (error instanceof NotYet) return error.outcome;
    throw error;
  }
}
