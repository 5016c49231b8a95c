import mongoose from 'mongoose';
import type { Db } from './system-stack';

const { ObjectId } = mongoose.Types;

/**
 * The tickets service keeps each ticket's unpublished events on the ticket itself (an `outbox` array,
 * `outboxPending: true` while it holds any). How many such events wait, optionally only on `ticketIds`,
 * and how many of them a relay holds claimed.
 */
export async function ticketsOutboxBacklog(ticketsDb: Db, ticketIds?: string[]): Promise<{ unpublished: number; claimed: number }> {
  const [levels] = await ticketsDb
    .collection('tickets')
    .aggregate<{ unpublished: number; claimed: number }>([
      { $match: { outboxPending: true, ...(ticketIds ? { _id: { $in: ticketIds.map((id) => new ObjectId(id)) } } : {}) } },
      {
        $project: {
          n: { $size: '$outbox' },
          claimed: { $size: { $filter: { input: '$outbox', cond: { $ne: [{ $ifNull: ['$$this.claimedBy', null] }, null] } } } },
        },
      },
      { $group: { _id: null, unpublished: { $sum: '$n' }, claimed: { $sum: '$claimed' } } },
    ])
    .toArray();
  return { unpublished: levels?.unpublished ?? 0, claimed: levels?.claimed ?? 0 };
}
