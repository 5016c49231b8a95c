export interface CurrentUser {
  id: string;
  email: string;
}

export interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}

export type OrderStatus = 'created' | 'cancelled' | 'awaiting:payment' | 'complete';

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  expiresAt: string;
  version: number;
  ticket: { id: string; title: string; price: number; version: number };
}

export interface Payment {
  id: string;
  orderId: string;
  stripeId: string;
  amount: number;
  currency: string;
  status: string;
}

export interface TicketInput {
  title: string;
  price: number | string;
}
