/** A ticket as the use cases take and return it (and as the HTTP responses show it). */
export interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  /** 0 when created, +1 on every saved change (optimistic concurrency). */
  version: number;
  /** The order holding the ticket; absent while the ticket is for sale. */
  orderId?: string;
}

/** What a ticket is created from. */
export interface TicketAttrs {
  title: string;
  price: number;
  userId: string;
}

/** What the owner may change. */
export type TicketChanges = Pick<TicketAttrs, 'title' | 'price'>;
