import mongoose, { Connection, Model, Schema } from 'mongoose';

/** One event waiting in (or already sent from) a service's `outbox` collection. */
export interface OutboxRecord {
  _id: mongoose.Types.ObjectId;
  subject: string;
  /** The event's data, published verbatim as the message body. */
  data: Record<string, unknown>;
  /** `subject:id:version`: the broker's de-duplication id. */
  msgId: string;
  /** Events of one aggregate leave in `aggregateVersion` order. */
  aggregateId: string;
  aggregateVersion: number;
  /** W3C trace context of the span the row was written in (only when tracing is on): the relay's publish span is its child. */
  traceparent?: string;
  tracestate?: string;
  createdAt: Date;
  /** null until the broker acknowledged the event; the retention TTL counts from here. */
  publishedAt: Date | null;
  attempts: number;
  lastError: string | null;
  /** Earliest time of the next attempt after a failure (backoff). */
  nextAttemptAt: Date;
  /** The relay holding the row, and until when: a dead relay's claim lapses. */
  claimedBy: string | null;
  claimedUntil: Date | null;
}

export const OUTBOX_COLLECTION = 'outbox';
const MODEL_NAME = 'OutboxRecord';

/** The outbox model on a given connection (each service owns its database and so its outbox). */
export function outboxModel(connection: Connection, retentionSeconds: number): Model<OutboxRecord> {
  const existing = connection.models[MODEL_NAME] as Model<OutboxRecord> | undefined;
  if (existing) return existing;
  const schema = new Schema<OutboxRecord>(
    {
      subject: { type: String, required: true },
      data: { type: Schema.Types.Mixed, required: true },
      msgId: { type: String, required: true, unique: true },
      aggregateId: { type: String, required: true },
      aggregateVersion: { type: Number, required: true },
      traceparent: { type: String },
      tracestate: { type: String },
      createdAt: { type: Date, required: true, default: () => new Date() },
      publishedAt: { type: Date, default: null },
      attempts: { type: Number, default: 0 },
      lastError: { type: String, default: null },
      nextAttemptAt: { type: Date, required: true, default: () => new Date() },
      claimedBy: { type: String, default: null },
      claimedUntil: { type: Date, default: null },
    },
    { collection: OUTBOX_COLLECTION, versionKey: false, minimize: false },
  );
  // The relay's scan: unpublished rows by aggregate and version.
  schema.index({ publishedAt: 1, aggregateId: 1, aggregateVersion: 1 });
  // The oldest unpublished row, read at every metrics scrape: one index entry however long the backlog.
  schema.index({ publishedAt: 1, createdAt: 1 });
  // Retention: a TTL index only removes documents whose field is a date, so unpublished rows
  // (publishedAt null) are never removed.
  schema.index({ publishedAt: 1 }, { expireAfterSeconds: retentionSeconds, name: 'published_retention' });
  return connection.model<OutboxRecord>(MODEL_NAME, schema);
}
