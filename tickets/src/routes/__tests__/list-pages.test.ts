import { useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import request from 'supertest';
import type { Ticket as TicketJson } from '../../domain/tickets';
import { Ticket } from '../../models/ticket';
import { newId, testApp, useOutbox } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useMongoose();
useOutbox();
const app = testApp();

/** Stores `count` free tickets directly, in id order, and returns their ids. */
async function storeTickets(count: number): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => ({
    _id: new mongoose.Types.ObjectId(),
    title: `ticket ${i}`,
    price: 10 + i,
    userId: newId(),
    version: 0,
  }));
  await Ticket.collection.insertMany(rows);
  return rows.map((row) => row._id.toHexString()).sort();
}

/** The path of the next page from a Link header, or undefined when there is none. */
function nextPath(link: string | undefined): string | undefined {
  return link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
}

/** Follows the Link headers from `first`, returning each page's ids and the last page's Link header. */
async function walk(
  first: string,
  between: () => Promise<void> = async () => undefined,
): Promise<{ pages: string[][]; lastLink: unknown }> {
  const pages: string[][] = [];
  let path: string | undefined = first;
  let lastLink: unknown;
  while (path) {
    const response = await request(app).get(path).expect(200);
    pages.push((response.body as TicketJson[]).map((t) => t.id));
    lastLink = response.headers.link;
    path = nextPath(response.headers.link as string | undefined);
    if (path) await between();
  }
  return { pages, lastLink };
}

describe('GET /api/tickets, paged', () => {
  it('when 120 tickets are walked 50 at a time, then the pages hold 50, 50 and 20, in id order, with no Link on the last', async () => {
    const ids = await storeTickets(120);
    const { pages, lastLink } = await walk('/api/tickets?limit=50');
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(ids);
    expect(lastLink).toBeUndefined();
  });

  it('when no limit is given, then the page holds 50 and the Link names limit 50 and a cursor', async () => {
    await storeTickets(51);
    const response = await request(app).get('/api/tickets').expect(200);
    expect(response.body).toHaveLength(50);
    expect(response.headers.link).toMatch(/^<\/api\/tickets\?limit=50&after=[A-Za-z0-9_-]{16}>; rel="next"$/);
  });

  it('when the tickets fit in one page exactly, then there is no Link header', async () => {
    await storeTickets(3);
    const response = await request(app).get('/api/tickets?limit=3').expect(200);
    expect(response.body).toHaveLength(3);
    expect(response.headers.link).toBeUndefined();
  });

  it('when tickets are created during a walk, then no ticket appears twice and every ticket from before is listed', async () => {
    const before = await storeTickets(120);
    const { pages } = await walk('/api/tickets?limit=50', async () => {
      await storeTickets(7);
    });
    const listed = pages.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(before));
    expect([...listed].sort()).toEqual(listed);
  });

  it('when a ticket is reserved during a walk, then it is left out without shifting the other pages', async () => {
    const ids = await storeTickets(10);
    const first = await request(app).get('/api/tickets?limit=4').expect(200);
    await Ticket.collection.updateOne({ _id: new mongoose.Types.ObjectId(ids[5]) }, { $set: { orderId: newId() } });
    const second = await request(app)
      .get(nextPath(first.headers.link as string)!)
      .expect(200);
    expect((second.body as TicketJson[]).map((t) => t.id)).toEqual([ids[4], ids[6], ids[7], ids[8]]);
  });

  it.each([['0'], ['201'], ['abc'], ['-1'], ['1.5'], ['']])('when limit is %p, then 400 naming limit', async (limit) => {
    await storeTickets(2);
    const response = await request(app).get('/api/tickets').query({ limit }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Limit must be a whole number from 1 to 200', field: 'limit' }] });
    expect(response.headers.link).toBeUndefined();
  });

  it('when limit is given twice, then 400 naming limit', async () => {
    const response = await request(app).get('/api/tickets?limit=1&limit=2').expect(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
  });

  it.each([['not-a-cursor'], ['AAAAAAAAAAAAAAA'], ['AAAAAAAAAAAAAAAB'.replace('B', '+')], [newId()]])(
    'when the cursor is %p, then 400 naming after and the tickets are unchanged',
    async (after) => {
      const ids = await storeTickets(3);
      const response = await request(app).get('/api/tickets').query({ after }).expect(400);
      expect(response.body).toEqual({ errors: [{ message: 'After must be a cursor from a Link header', field: 'after' }] });
      const listed = (await request(app).get('/api/tickets').expect(200)).body as TicketJson[];
      expect(listed.map((t) => t.id)).toEqual(ids);
    },
  );

  it('when a listed page is read, then each ticket has the documented shape (no _id, no __v)', async () => {
    await storeTickets(1);
    const [ticket] = (await request(app).get('/api/tickets').expect(200)).body as Record<string, unknown>[];
    expect(Object.keys(ticket).sort()).toEqual(['id', 'price', 'title', 'userId', 'version']);
  });
});
