import type { ApiClient, Ticket } from './api-client';
import { mapLimit, TicketLedger } from './replica-report';

export interface WriteBurstOptions {
  /** Ticket creations (POST /api/tickets). */
  creates: number;
  /** Updates (PUT /api/tickets/:id), spread over the created tickets, after their creation. */
  updates: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Called once when `after` writes have been answered (not awaited: the burst goes on meanwhile). */
  faults?: ReadonlyArray<{ after: number; run: () => Promise<unknown> }>;
  title?: string;
}

export interface WriteBurst {
  ledger: TicketLedger;
  /** Answers per HTTP status. */
  statuses: Map<number, number>;
  /** "POST 503" and the like, for every answer that was not 2xx. */
  failures: string[];
  /** The faults' promises, to await before asserting (they reject if a fault failed). */
  faults: Promise<unknown>[];
  /** When each request was sent and answered (epoch ms), to count the writes a fault overlapped. */
  timings: Array<{ sentAt: number; answeredAt: number }>;
}

/**
 * Creates `creates` tickets, then updates them round robin `updates` times, through the gateway as
 * one seller, recording every answer; the faults fire as the answered count passes their mark.
 */
export async function runWriteBurst(seller: ApiClient, opts: WriteBurstOptions): Promise<WriteBurst> {
  const ledger = new TicketLedger();
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const faults: Promise<unknown>[] = [];
  const timings: WriteBurst['timings'] = [];
  const pending = [...(opts.faults ?? [])].sort((a, b) => a.after - b.after);
  let answered = 0;
  const answer = (method: string, status: number, sentAt: number): void => {
    timings.push({ sentAt, answeredAt: Date.now() });
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status < 200 || status >= 300) failures.push(`${method} ${status}`);
    answered += 1;
    while (pending.length > 0 && pending[0].after <= answered) faults.push(pending.shift()!.run());
  };
  const title = opts.title ?? 'burst';
  const concurrency = opts.concurrency ?? 10;
  const created = await mapLimit(
    Array.from({ length: opts.creates }, (_, i) => i),
    concurrency,
    async (i) => {
      const sentAt = Date.now();
      const res = await seller.request<Ticket>('POST', '/api/tickets', { title: `${title} ${i}`, price: 10 + i });
      answer('POST', res.status, sentAt);
      if (res.status !== 201) return undefined;
      ledger.record(res.body);
      return res.body;
    },
  );
  const tickets = created.filter((t): t is Ticket => t !== undefined);
  if (tickets.length > 0) {
    await mapLimit(
      Array.from({ length: opts.updates }, (_, i) => i),
      concurrency,
      async (i) => {
        const ticket = tickets[i % tickets.length];
        const sentAt = Date.now();
        const res = await seller.request<Ticket>('PUT', `/api/tickets/${ticket.id}`, {
          title: `${ticket.title} #${i}`,
          price: ticket.price + i + 1,
        });
        answer('PUT', res.status, sentAt);
        if (res.status === 200) ledger.record(res.body);
      },
    );
  }
  return { ledger, statuses, failures, faults, timings };
}

/** `201×400 200×100` */
export function statusSummary(statuses: Map<number, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}
