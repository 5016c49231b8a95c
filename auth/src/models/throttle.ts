import mongoose, { Schema } from 'mongoose';

/**
 * The signin and signup throttle's counters, as rate-limiter-flexible's RateLimiterMongo keeps them
 * (`domain/throttle.ts` writes them through that library, never through this model): one document per
 * limiter key with its points and when the window (or block) ends. Declared here so the collection and
 * the indexes the library needs exist before the first request, in the service and in tests alike.
 */
export interface ThrottleCounterAttrs {
  key: string;
  points: number;
  /** The window's or block's end; MongoDB's TTL monitor removes the document after it. */
  expire: Date | null;
}

const throttleCounterSchema = new Schema<ThrottleCounterAttrs>(
  {
    key: { type: String, required: true },
    points: { type: Number, required: true },
    expire: { type: Date, default: null },
  },
  { versionKey: false },
);
// The two indexes RateLimiterMongo would create itself (its `createIndexes`): a unique key, and a TTL.
throttleCounterSchema.index({ key: 1 }, { unique: true });
throttleCounterSchema.index({ expire: -1 }, { expireAfterSeconds: 0 });

export const ThrottleCounter = mongoose.model<ThrottleCounterAttrs>('ThrottleCounter', throttleCounterSchema, 'throttle_counters');
