import type { OrderStatus } from '@ticketing/common/contracts';

/** A replica ticket: what the tickets service last told this service about it. */
export interface Ticket {
  id: string;
  title: string;
  price: number;
  version: number;
}

/** The ticket as it was when an order was placed: the order's price is this snapshot's. */
export type TicketSnapshot = Ticket;

/** An order in the contract's shape (DESIGN.md §2); `expiresAt` becomes an ISO string in JSON. */
export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  version: number;
  ticket: TicketSnapshot;
}
