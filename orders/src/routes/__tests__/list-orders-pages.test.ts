import { OrderStatus } from '@ticketing/common/contracts';
import { Types } from 'mongoose';
import request from 'supertest';
import { Order as Orders } from '../../models/order';
import { newId, signin, testApp, useOrdersDatabase } from '../../test/helpers';

jest.mock('../../nats-wrapper');

useOrdersDatabase();
const app = testApp();

/** Stores `count` cancelled orders of `userId` directly, and returns their ids in id order. */
async function storeOrders(userId: string, count: number): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => ({
    _id: new Types.ObjectId(),
    userId,
    status: OrderStatus.Cancelled,
    expiresAt: new Date(),
    active: false,
    version: 1,
    ticket: { id: newId(), title: `ticket ${i}`, price: 10, version: 0 },
  }));
  await Orders.collection.insertMany(rows);
  return rows.map((row) => row._id.toHexString()).sort();
}

function nextPath(link: unknown): string | undefined {
  return typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
}

async function walk(cookie: string, first: string, between: () => Promise<void> = async () => undefined) {
  const pages: string[][] = [];
  let path: string | undefined = first;
  let lastLink: unknown;
  while (path) {
    const response = await request(app).get(path).set('Cookie', cookie).expect(200);
    pages.push((response.body as Array<{ id: string }>).map((o) => o.id));
    lastLink = response.headers.link;
    path = nextPath(response.headers.link);
    if (path) await between();
  }
  return { pages, lastLink };
}

describe('GET /api/orders, paged', () => {
  it("when a buyer's 120 orders are walked 50 at a time, then 50, 50 and 20 of their own, with no Link on the last", async () => {
    const buyer = signin();
    const ids = await storeOrders(buyer.id, 120);
    await storeOrders(newId(), 30);
    const { pages, lastLink } = await walk(buyer.cookie, '/api/orders?limit=50');
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(ids);
    expect(lastLink).toBeUndefined();
  });

  it('when orders are placed during a walk, then none appears twice and all earlier ones are listed', async () => {
    const buyer = signin();
    const before = await storeOrders(buyer.id, 60);
    const { pages } = await walk(buyer.cookie, '/api/orders?limit=25', async () => {
      await storeOrders(buyer.id, 3);
    });
    const listed = pages.flat();
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(before));
  });

  it('when no limit is given, then 50 and a Link naming limit 50', async () => {
    const buyer = signin();
    await storeOrders(buyer.id, 51);
    const response = await request(app).get('/api/orders').set('Cookie', buyer.cookie).expect(200);
    expect(response.body).toHaveLength(50);
    expect(response.headers.link).toMatch(/^<\/api\/orders\?limit=50&after=[A-Za-z0-9_-]{16}>; rel="next"$/);
  });

  it.each([['0'], ['201'], ['abc']])('when limit is %p, then 400 naming limit', async (limit) => {
    const response = await request(app).get('/api/orders').query({ limit }).set('Cookie', signin().cookie).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'Limit must be a whole number from 1 to 200', field: 'limit' }] });
  });

  it('when the cursor is not one the service wrote, then 400 naming after', async () => {
    const response = await request(app).get('/api/orders').query({ after: 'nope' }).set('Cookie', signin().cookie).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'After must be a cursor from a Link header', field: 'after' }] });
  });

  it('when not signed in, then 401 before the query is looked at', async () => {
    await request(app).get('/api/orders?limit=0').expect(401);
  });
});
