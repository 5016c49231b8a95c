import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import mongoose, { Schema } from 'mongoose';
import { Subjects } from '../../contracts/subjects';
import { createTransport } from '../../transport/create-transport';
import type { PublishAck, Transport } from '../../transport/transport';
import type { EventSink } from '../outbox-relay';

/** A small aggregate for the outbox tests: a counter whose every change is an event. */
export interface Counter {
  _id: mongoose.Types.ObjectId;
  value: number;
  version: number;
}

export const CounterModel =
  (mongoose.models.Counter as mongoose.Model<Counter> | undefined) ??
  mongoose.model<Counter>('Counter', new Schema<Counter>({ value: Number, version: Number }, { versionKey: false }));

export function counterEvent(counter: Pick<Counter, '_id' | 'value' | 'version'>) {
  return {
    subject: Subjects.TicketUpdated,
    data: {
      id: counter._id.toHexString(),
      version: counter.version,
      title: `value ${counter.value}`,
      price: counter.value + 1,
      userId: '64b7f0c2a1b2c3d4e5f60719',
    },
  } as const;
}

/** A sink that records every publish the broker acknowledged, and can be told to fail. */
export class RecordingSink implements EventSink {
  readonly acked: Array<{ subject: string; data: object; msgId: string }> = [];
  attempts = 0;
  failWhen: (msgId: string) => boolean = () => false;

  constructor(private readonly inner?: Pick<Transport, 'publish'>) {}

  async publish(subject: string, data: object, opts: { msgId: string }): Promise<PublishAck | undefined> {
    this.attempts += 1;
    if (this.failWhen(opts.msgId)) throw new Error(`broker refused ${opts.msgId}`);
    const ack = await this.inner?.publish(subject, data, opts);
    this.acked.push({ subject, data, msgId: opts.msgId });
    return ack;
  }

  ackedFor(msgId: string): number {
    return this.acked.filter((c) => c.msgId === msgId).length;
  }
}

export async function connectTransport(url: string): Promise<Transport> {
  return createTransport({ NATS_URL: url }, { connectTimeoutMs: 5_000, reconnectTimeWaitMs: 100, publishTimeoutMs: 2_000 });
}

/** Every message the broker stored in the event stream, in stream order. */
export async function storedEvents(
  url: string,
  stream = 'TICKETING',
): Promise<Array<{ subject: string; msgId: string; data: { id: string; version: number } }>> {
  const nc: NatsConnection = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!msg) continue;
      out.push({ subject: msg.subject, msgId: msg.header?.get('Nats-Msg-Id') ?? '', data: msg.json<{ id: string; version: number }>() });
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** For each aggregate, the versions in the order they appear. */
export function versionsByAggregate(events: Array<{ data: { id: string; version: number } }>): Map<string, number[]> {
  const byId = new Map<string, number[]>();
  for (const e of events) byId.set(e.data.id, [...(byId.get(e.data.id) ?? []), e.data.version]);
  return byId;
}
