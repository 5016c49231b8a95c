import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { SubscribeOptions } from './transport';
import { isTransientAtStart } from './jetstream-message';
import { errorMessage, sleep } from './status';

// Creating and updating the stream and the durable consumers, idempotently and safely across replicas.

export const NANOS_PER_MS = 1_000_000;

/**
 * Creates the stream, or adds the subjects it lacks and sets the duplicate window and replica count
 * asked for (several service replicas may race here). JetStream moves an existing stream between
 * R1 and R3 in place (its data is copied to the new peers).
 */
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
      const sameReplicas = wanted.num_replicas === undefined || (existing.config.num_replicas || 1) === wanted.num_replicas;
      if (sameSubjects && sameWindow && sameReplicas) return;
      await jsm.streams.update(wanted.name, {
        ...existing.config,
        subjects,
        ...(wanted.duplicate_window === undefined ? {} : { duplicate_window: wanted.duplicate_window }),
        ...(wanted.num_replicas === undefined ? {} : { num_replicas: wanted.num_replicas }),
      });
      return;
    } catch (err) {
      // Another replica created it between our info and add: look again.
      if (attempt === 2) throw err;
    }
  }
}

/**
 * The durable pull consumer of one (queue group, subject), with as many replicas as the stream (set
 * explicitly rather than inherited, so a later change of the stream's count reaches existing durables).
 */
export function consumerConfig(subject: string, durable: string, options: SubscribeOptions, replicas = 1): Partial<ConsumerConfig> {
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
    ack_wait: options.ackWaitMs * NANOS_PER_MS,
    max_deliver: options.maxDeliver,
    num_replicas: replicas,
  };
}

/**
 * Creates the durable, or updates its ack wait, max deliver and replica count to what this replica
 * asks for. nats-server 2.9 changes a durable's `num_replicas` in place (both ways, keeping its ack
 * state), so nothing is recreated.
 */
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
  // 0 means "as many as the stream" (a durable created before replicas were configured).
  const sameReplicas = wanted.num_replicas === undefined || current.num_replicas === wanted.num_replicas;
  if (current.ack_wait === wanted.ack_wait && current.max_deliver === wanted.max_deliver && sameReplicas) return;
  await jsm.consumers.update(stream, durable, {
    ack_wait: wanted.ack_wait,
    max_deliver: wanted.max_deliver,
    ...(wanted.num_replicas === undefined ? {} : { num_replicas: wanted.num_replicas }),
  });
}

/**
 * Runs a start-up step again while it fails in a way waiting can cure (a cluster still electing its
 * meta leader answers late; a stream of three replicas cannot be placed while a peer is starting),
 * until `deadline`; any other failure, or the last one, is thrown.
 */
export function whileStarting(deadline: number, logger: Logger) {
  return async <T>(step: string, run: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const left = deadline - Date.now();
        if (!isTransientAtStart(err) || left <= 0) throw err;
        logger.warn({ err: errorMessage(err), attempt }, `JetStream not ready: will try again to ${step}`);
        await sleep(Math.min(100 * 2 ** Math.min(attempt - 1, 4), 1_000, left));
      }
    }
  };
}
