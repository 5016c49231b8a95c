import mongoose from 'mongoose';
import type { Ticket } from './api-client';
import type { Db } from './system-stack';

/** What the orders service should end with for one ticket: its last version, as the tickets service answered it. */
export interface ExpectedTicket {
  id: string;
  version: number;
  title: string;
  price: number;
}

/**
 * The final state of every ticket, from the 2xx answers of the tickets service: the answer with the
 * highest version is the last change (versions increase by one per committed change).
 */
export class TicketLedger {
  private readonly latest = new Map<string, ExpectedTicket>();
  /** Successful changes (the create and each update) per ticket. */
  private readonly changes = new Map<string, number>();

  record(ticket: Ticket): void {
    this.changes.set(ticket.id, (this.changes.get(ticket.id) ?? 0) + 1);
    const known = this.latest.get(ticket.id);
    if (!known || ticket.version > known.version) {
      this.latest.set(ticket.id, { id: ticket.id, version: ticket.version, title: ticket.title, price: ticket.price });
    }
  }

  get expected(): ExpectedTicket[] {
    return [...this.latest.values()];
  }

  /** Successful changes recorded for a ticket (1 for the create, + 1 per update). */
  changesOf(id: string): number {
    return this.changes.get(id) ?? 0;
  }
}

/**
 * How the orders service's ticket replica compares with the expected final state:
 * - `lost`: a ticket with no replica at all;
 * - `duplicated`: a ticket with more than one replica document, or whose replica went past the final
 *   version (an update applied twice advances the version once more), or with more inbox records
 *   than events;
 * - `stale`: a replica behind the final version, or at it with another title or price.
 */
export interface ReplicaReport {
  tickets: number;
  lost: number;
  duplicated: number;
  stale: number;
}

interface ReplicaDoc {
  _id: mongoose.Types.ObjectId;
  title: string;
  price: number;
  version: number;
}

/** Reads the replica (orders database, `tickets` collection) and the orders inbox; compares. */
export async function readReplicaReport(ordersDb: Db, expected: readonly ExpectedTicket[]): Promise<ReplicaReport> {
  const ids = expected.map((t) => new mongoose.Types.ObjectId(t.id));
  const docs = await ordersDb
    .collection<ReplicaDoc>('tickets')
    .find({ _id: { $in: ids } })
    .toArray();
  const byId = new Map<string, ReplicaDoc[]>();
  for (const doc of docs) {
    const key = doc._id.toHexString();
    byId.set(key, [...(byId.get(key) ?? []), doc]);
  }
  // One inbox record per handled event: `orders-service|ticket:created:<id>:0`, `...|ticket:updated:<id>:<v>`.
  const inboxIds = await ordersDb
    .collection<{ _id: string }>('inbox')
    .find({ _id: { $regex: /^orders-service\|ticket:/ } }, { projection: { _id: 1 } })
    .toArray();
  const inboxPerTicket = new Map<string, number>();
  for (const { _id } of inboxIds) {
    const ticketId = _id.split(':')[2];
    inboxPerTicket.set(ticketId, (inboxPerTicket.get(ticketId) ?? 0) + 1);
  }

  const report: ReplicaReport = { tickets: expected.length, lost: 0, duplicated: 0, stale: 0 };
  for (const want of expected) {
    const found = byId.get(want.id) ?? [];
    if (found.length === 0) {
      report.lost += 1;
      continue;
    }
    const [replica] = found;
    if (found.length > 1 || replica.version > want.version || (inboxPerTicket.get(want.id) ?? 0) > want.version + 1) {
      report.duplicated += 1;
    } else if (replica.version < want.version || replica.price !== want.price || replica.title !== want.title) {
      report.stale += 1;
    }
  }
  return report;
}

function converged(report: ReplicaReport): boolean {
  return report.lost === 0 && report.duplicated === 0 && report.stale === 0;
}

/**
 * Polls the replica until it matches `expected` or `timeoutMs` passes, and returns the last report
 * either way, so a test can print and assert the counts it saw.
 */
export async function waitForReplicas(ordersDb: Db, expected: readonly ExpectedTicket[], timeoutMs: number): Promise<ReplicaReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await readReplicaReport(ordersDb, expected);
    if (converged(report) || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
