import mongoose, { Schema } from 'mongoose';

/** One signed-in session: what a token's `jti` names. Signout sets `revokedAt`. */
export interface SessionAttrs {
  jti: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The token's `exp`: the session ends then whatever the activity. MongoDB's TTL monitor removes it after. */
  expiresAt: Date;
  revokedAt: Date | null;
}

const sessionSchema = new Schema<SessionAttrs>(
  {
    jti: { type: String, required: true, unique: true },
    userId: { type: String, required: true, index: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true, expires: 0 },
    revokedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

export const Session = mongoose.model<SessionAttrs>('Session', sessionSchema);
