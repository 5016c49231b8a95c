import mongoose, { ClientSession, Schema, type mongo } from 'mongoose';

/**
 * One document per buyer (`_id`: the user id) that every order placement of that buyer writes first in
 * its transaction. Two concurrent placements by one buyer thus write the same document: MongoDB lets
 * only one of them proceed (the other gets a write conflict and is retried after the first commits,
 * seeing its order), so what each one reads of the buyer's orders inside its transaction is exact.
 *
 * The gate also lists when the buyer's recent placements expire (`openExpiries`), so that a placement
 * need not count the buyer's orders every time: every unpaid order holding a ticket was placed through
 * the gate and has its entry, so fewer unexpired entries than the cap prove the buyer is under it. The
 * list only ever over-counts (an entry stays after its order is paid or cancelled, until it expires);
 * when it reaches the cap, or it is missing, the placement counts the orders themselves and writes the
 * exact list back (`recountOpenOrders`).
 */
interface UserOrderGateFields {
  _id: string;
  /** How many placements went through the gate (incremented by each; informational). */
  placements: number;
  /** When the buyer's possibly unpaid orders expire, oldest placement first; absent until first counted. */
  openExpiries?: Date[];
}

const userOrderGateSchema = new Schema<UserOrderGateFields>(
  { _id: { type: String, required: true }, placements: { type: Number, default: 0 }, openExpiries: { type: [Date], default: undefined } },
  { versionKey: false },
);

export const UserOrderGate = mongoose.model<UserOrderGateFields>('UserOrderGate', userOrderGateSchema, 'user_order_gates');

/** The gates' collection as the driver sees it, typed by its documents (whose `_id` is a string). */
const gates = (): mongo.Collection<UserOrderGateFields> => UserOrderGate.collection as unknown as mongo.Collection<UserOrderGateFields>;

/**
 * Creates the buyer's gate if missing, outside any transaction (a concurrent first placement may win:
 * that is fine). Without `openExpiries`: its first placement counts the buyer's orders.
 */
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

export interface GatePlacement {
  now: Date;
  /** The new order's expiry. */
  expiresAt: Date;
  maxActiveOrders: number;
}

/**
 * Writes the buyer's gate in the transaction (concurrent placements by the same buyer conflict here):
 * drops the entries expired at `now` and appends the new order's. True when the list proves the buyer
 * under the cap with this order; false when the orders must be counted (`recountOpenOrders`). Throws
 * MissingOrderGateError for a buyer without a gate, so only a first placement pays for creating it.
 */
export async function passUserOrderGate(userId: string, placement: GatePlacement, session: ClientSession): Promise<boolean> {
  const { now, expiresAt, maxActiveOrders } = placement;
  const stillOpen = { $filter: { input: '$openExpiries', cond: { $gt: ['$$this', now] } } };
  // Through the driver: a pipeline update is not cast anyway, and mongoose's query would double the CPU.
  const gate = await gates().findOneAndUpdate(
    { _id: userId },
    [
      {
        $set: {
          placements: { $add: [{ $ifNull: ['$placements', 0] }, 1] },
          // Kept short: beyond the cap + 1 entries the orders are counted anyway.
          openExpiries: {
            $cond: [
              { $isArray: '$openExpiries' },
              { $slice: [{ $concatArrays: [stillOpen, [expiresAt]] }, -(maxActiveOrders + 1)] },
              '$$REMOVE',
            ],
          },
        },
      },
    ],
    { returnDocument: 'after', session, projection: { openExpiries: 1 } },
  );
  if (!gate) throw new MissingOrderGateError(userId);
  return Array.isArray(gate.openExpiries) && gate.openExpiries.length <= maxActiveOrders;
}

/** Replaces the gate's list with the expiries of the orders just counted, plus the new order's. */
export async function recountOpenOrders(userId: string, expiries: Date[], session: ClientSession): Promise<void> {
  await UserOrderGate.updateOne({ _id: userId }, { $set: { openExpiries: expiries } }, { session });
}
