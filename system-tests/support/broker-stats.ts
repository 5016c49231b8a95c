import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface ConsumerDeliveries {
  /** Messages on the consumer's subject in the stream. */
  messages: number;
  /** Deliveries the consumer made, first deliveries and redeliveries together. */
  deliveries: number;
  /** Deliveries beyond one per message: early events sent back (nak), unacknowledged ones, copies. */
  redeliveries: number;
}

/**
 * How often a durable consumer delivered the messages of its subject (read from the broker's
 * consumer and stream info; an observer only, like the database reads). `operator`: the local stack's
 * operator user, when its broker requires users.
 */
export async function consumerDeliveries(
  natsUrl: string,
  durable: string,
  subject: string,
  operator?: { user: string; password: string },
  stream = 'TICKETING',
): Promise<ConsumerDeliveries> {
  const nc = await connect({ servers: natsUrl, ...(operator ? { user: operator.user, pass: operator.password } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    const consumer = await jsm.consumers.info(stream, durable);
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    const messages = info.state.subjects?.[subject] ?? 0;
    const deliveries = consumer.delivered.consumer_seq;
    return { messages, deliveries, redeliveries: Math.max(0, deliveries - messages) };
  } finally {
    await nc.close();
  }
}
