import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { SubscribeOptions } from './transport';

// Creating and updating the stream and the durable consumers, idempotently and safely across replicas.

export const NANOS_PER_MS = 1_000_000;

/** Creates the stream, or adds the subjects and duplicate window it lacks (several replicas may race here). */
export async function ensureStream(
  jsm: JetStreamManager,
  wanted: Partial<StreamConfig> & { name: string; subjects: string[] },
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await jsm.streams.info(wanted.name).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw err;
    });
    try {
      if (!existing) {
        await jsm.streams.add(wanted);
        return;
      }
      const subjects = [...new Set([...(existing.config.subjects ?? []), ...wanted.subjects])];
      const sameSubjects = subjects.length === (existing.config.subjects ?? []).length;
      const sameWindow = wanted.duplicate_window === undefined || existing.config.duplicate_window === wanted.duplicate_window;
      if (sameSubjects && sameWindow) return;
      await jsm.streams.update(wanted.name, {
        ...existing.config,
        subjects,
        ...(wanted.duplicate_window === undefined ? {} : { duplicate_window: wanted.duplicate_window }),
      });
      return;
    } catch (err) {
      // Another replica created it between our info and add: look again.
      if (attempt === 2) throw err;
    }
  }
}

/** The durable pull consumer of one (queue group, subject). */
export function consumerConfig(subject: string, durable: string, options: SubscribeOptions): Partial<ConsumerConfig> {
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
    ack_wait: options.ackWaitMs * NANOS_PER_MS,
    max_deliver: options.maxDeliver,
  };
}

/** Creates the durable, or updates its ack wait / max deliver to what this replica asks for. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  wanted: Partial<ConsumerConfig>,
): Promise<void> {
  const existing = await jsm.consumers.info(stream, durable).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
    throw err;
  });
  if (!existing) {
    try {
      await jsm.consumers.add(stream, wanted);
      return;
    } catch (err) {
      // A replica created it concurrently; fall through to compare and update.
      const again = await jsm.consumers.info(stream, durable).catch(() => undefined);
      if (!again) throw err;
      return updateConsumerIfNeeded(jsm, stream, durable, again.config, wanted);
    }
  }
  return updateConsumerIfNeeded(jsm, stream, durable, existing.config, wanted);
}

async function updateConsumerIfNeeded(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  current: ConsumerConfig,
  wanted: Partial<ConsumerConfig>,
): Promise<void> {
  if (current.ack_wait === wanted.ack_wait && current.max_deliver === wanted.max_deliver) return;
  await jsm.consumers.update(stream, durable, { ack_wait: wanted.ack_wait, max_deliver: wanted.max_deliver });
}
