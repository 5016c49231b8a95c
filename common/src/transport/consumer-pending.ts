import type { JetStreamManager } from '@nats-io/jetstream';

/** A transport that can say how much a durable consumer still has to do (JetStream; NATS Streaming cannot). */
export interface PendingMessagesSource {
  pendingMessages(durable: string): Promise<number>;
}

/**
 * Read-only, from the broker's consumer info: messages not yet delivered to the durable plus those
 * delivered and awaiting their ack, i.e. what its queue group still has to finish.
 */
export async function consumerPendingMessages(jsm: JetStreamManager, stream: string, durable: string): Promise<number> {
  const info = await jsm.consumers.info(stream, durable);
  return info.num_pending + info.num_ack_pending;
}

/** A reader of the durable's pending messages, or undefined when the transport has none (NATS Streaming: not exported). */
export function pendingMessagesReader(transport: object, durable: string): (() => Promise<number>) | undefined {
  const source = transport as Partial<PendingMessagesSource>;
  if (typeof source.pendingMessages !== 'function') return undefined;
  return () => (source as PendingMessagesSource).pendingMessages(durable);
}
