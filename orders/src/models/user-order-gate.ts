import mongoose, { ClientSession, Schema } from 'mongoose';

/**
 * One document per buyer (`_id`: the user id) that every order placement of that buyer writes first in
 * its transaction. Two concurrent placements by one buyer thus write the same document: MongoDB lets
 * only one of them proceed (the other gets a write conflict and is retried after the first commits,
 * seeing its order), so the active-order count each one takes inside its transaction is exact. The
 * count itself is taken from the orders, so nothing here can drift from them.
 */
interface UserOrderGateFields {
  _id: string;
  /** How many placements went through the gate (incremented by each; informational). */
  placements: number;
}

const userOrderGateSchema = new Schema<UserOrderGateFields>(
  { _id: { type: String, required: true }, placements: { type: Number, default: 0 } },
  { versionKey: false },
);

export const UserOrderGate = mongoose.model<UserOrderGateFields>('UserOrderGate', userOrderGateSchema, 'user_order_gates');

/** Creates the buyer's gate if missing, outside any transaction (a concurrent first placement may win: that is fine). */
export async function ensureUserOrderGate(userId: string): Promise<void> {
  try {
    await UserOrderGate.updateOne({ _id: userId }, { $setOnInsert: { placements: 0 } }, { upsert: true });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 11000) throw err;
  }
}

/** The buyer has no gate yet (a first placement): create it outside the transaction, then place again. */
export class MissingOrderGateError extends Error {
  constructor(readonly userId: string) {
    super(`order gate of user ${userId} is missing`);
    this.name = 'MissingOrderGateError';
  }
}

/**
 * Writes the buyer's gate in the transaction: concurrent placements by the same buyer conflict here.
 * Throws MissingOrderGateError for a buyer without one, so only a first placement pays for creating it.
 */
export async function passUserOrderGate(userId: string, session: ClientSession): Promise<void> {
  const result = await UserOrderGate.updateOne({ _id: userId }, { $inc: { placements: 1 } }, { session });
  if (result.matchedCount !== 1) throw new MissingOrderGateError(userId);
}
