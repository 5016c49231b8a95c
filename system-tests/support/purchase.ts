import type { LocalStripe } from '@ticketing/local-stack';
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Order, type Ticket } from './api-client';
import type { Db } from './system-stack';

export interface Payment {
  id: string;
  orderId: string;
  stripeId: string;
  amount: number;
  currency: string;
  status: string;
}

/** Sells a ticket and waits until orders has it (an order for it is then accepted). */
export async function sellTicket(seller: ApiClient, title: string, price: number): Promise<Ticket> {
  const res = await seller.request<Ticket>('POST', '/api/tickets', { title, price });
  if (res.status !== 201) throw new Error(`POST /api/tickets answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Orders `ticket` as `buyer`, retrying while orders has not replicated it yet (404). */
export async function placeOrder(buyer: ApiClient, ticket: Ticket): Promise<Order> {
  return eventually(async () => {
    const res = await buyer.request<Order>('POST', '/api/orders', { ticketId: ticket.id });
    if (res.status === 404) return undefined;
    if (res.status !== 201) throw new Error(`POST /api/orders answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }, `an order for ticket ${ticket.id}`);
}

/** Waits until payments' replica holds the order (a payment for it is then possible). */
export async function replicatedToPayments(paymentsDb: Db, orderId: string): Promise<void> {
  await eventually(() => paymentsDb.collection('orders').findOne({ _id: orderId as never }), `payments to replicate order ${orderId}`);
}

/** The order's status as its owner sees it. */
export async function orderStatus(buyer: ApiClient, orderId: string): Promise<string> {
  const res = await buyer.request<Order>('GET', `/api/orders/${orderId}`);
  if (res.status !== 200) throw new Error(`GET /api/orders/${orderId} answered ${res.status}`);
  return res.body.status;
}

/** What the provider holds for one order: its succeeded charges, and how many of them were refunded in full. */
export function chargesAtProvider(stripe: LocalStripe, orderId: string): { succeeded: number; refunded: number } {
  const intents = stripe.paymentIntents().filter((intent) => intent.metadata.orderId === orderId && intent.status === 'succeeded');
  const charges = stripe.charges();
  const refunded = intents.filter((intent) => charges.some((charge) => charge.id === intent.latest_charge && charge.refunded)).length;
  return { succeeded: intents.length, refunded };
}
