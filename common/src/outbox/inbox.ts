import mongoose, { Connection, Model, Schema } from 'mongoose';
import { AggregateRef } from '../contracts/types';
import { Outbox, OutboxEvent, OutboxTransaction } from './outbox';

export interface InboxRecord {
  /** `queueGroup|subject:id:version`. */
  _id: string;
  queueGroup: string;
  subject: string;
  processedAt: Date;
}

export type InboxResult = 'applied' | 'duplicate';

const MODEL_NAME = 'InboxRecord';

function inboxModel(connection: Connection, retentionSeconds: number): Model<InboxRecord> {
  const existing = connection.models[MODEL_NAME] as Model<InboxRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<InboxRecord>(
    {
      _id: { type: String, required: true },
      queueGroup: { type: String, required: true },
      subject: { type: String, required: true },
      processedAt: { type: Date, required: true, default: () => new Date() },
    },
    { collection: 'inbox', versionKey: false },
  );
  schema.index({ processedAt: 1 }, { expireAfterSeconds: retentionSeconds });
  return connection.model<InboxRecord>(MODEL_NAME, schema);
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof mongoose.mongo.MongoServerError && err.code === 11000;
}

/**
 * The idempotent inbox of one service database: a listener's writes, the record that it handled an
 * event, and any events it causes (through the outbox) commit together, so a redelivered event changes
 * nothing twice.
 */
export class Inbox<E extends OutboxEvent = OutboxEvent> {
  readonly model: Model<InboxRecord>;

  constructor(
    private readonly outbox: Outbox<E>,
    opts: { retentionSeconds?: number } = {},
  ) {
    this.model = inboxModel(outbox.connection, opts.retentionSeconds ?? 30 * 24 * 3600);
  }

  get connection(): Connection {
    return this.outbox.connection;
  }

  async init(): Promise<void> {
    // The model's own index build (autoIndex, started when the connection opened) finishes first, so
    // none of its commands is still to come once init resolves.
    await this.model.init();
    await this.model.createCollection().catch((err: { code?: number }) => {
      if (err.code !== 48) throw err; // NamespaceExists
    });
    await this.model.syncIndexes();
  }

  static key(queueGroup: string, subject: string, data: AggregateRef): string {
    return `${queueGroup}|${subject}:${data.id}:${data.version}`;
  }

  /**
   * Runs `fn` once per (queue group, event). A duplicate delivery returns 'duplicate' without calling
   * `fn`'s effects a second time; an error thrown by `fn` rolls everything back, including the record,
   * so the event can be delivered again.
   */
  async handleOnce(
    queueGroup: string,
    subject: string,
    data: AggregateRef,
    fn: (tx: OutboxTransaction<E>) => Promise<void>,
  ): Promise<InboxResult> {
    const _id = Inbox.key(queueGroup, subject, data);
    try {
      await this.outbox.transaction(async (tx) => {
        // First, so a repeated or concurrent delivery of the same event fails here on the unique _id
        // and is recognised below. No lookup before the transaction: it cost every first delivery a
        // round trip to spare the rare repeat one.
        await this.model.create([{ _id, queueGroup, subject }], { session: tx.session });
        await fn(tx);
      });
      return 'applied';
    } catch (err) {
      if (isDuplicateKey(err) && (await this.model.exists({ _id }))) return 'duplicate';
      throw err;
    }
  }
}
