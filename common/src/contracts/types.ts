import { Subjects } from './subjects';

export enum OrderStatus {
  /** The order exists and its ticket is reserved. */
  Created = 'created',
  /** Cancelled by the user, or expired before payment; the ticket is released. */
  Cancelled = 'cancelled',
  /** The ticket is reserved and the user is paying. */
  AwaitingPayment = 'awaiting:payment',
  /** Paid. */
  Complete = 'complete',
}

/** What every event's data carries: the aggregate's id and its version after the change. */
export interface AggregateRef {
  id: string;
  version: number;
}

export interface TicketCreatedEvent {
  subject: Subjects.TicketCreated;
  data: AggregateRef & { title: string; price: number; userId: string };
}

export interface TicketUpdatedEvent {
  subject: Subjects.TicketUpdated;
  data: AggregateRef & { title: string; price: number; userId: string; orderId?: string };
}

export interface OrderCreatedEvent {
  subject: Subjects.OrderCreated;
  data: AggregateRef & {
    status: OrderStatus;
    userId: string;
    /** ISO 8601 timestamp. */
    expiresAt: string;
    /**
     * The ticket as it was when the order was placed: the order's price is this snapshot's.
     * `reservation` numbers the ticket's orders (1 for its first, then 2, ...; see TicketReservation).
     */
    ticket: TicketReservation & { price: number };
  };
}

export interface OrderCancelledEvent {
  subject: Subjects.OrderCancelled;
  data: AggregateRef & { ticket: TicketReservation };
}

/**
 * Which ticket an order holds, and which of the ticket's orders it is. The orders service numbers a
 * ticket's orders as it places them, and only one of them holds the ticket at a time, so a higher
 * `reservation` is a later order: the tickets service needs only the highest number it has handled
 * to tell a stale or repeated order event from a new one, however late it arrives.
 */
export interface TicketReservation {
  id: string;
  reservation: number;
}

export interface PaymentCreatedEvent {
  subject: Subjects.PaymentCreated;
  data: AggregateRef & { orderId: string; stripeId: string };
}

export type TicketingEvent = TicketCreatedEvent | TicketUpdatedEvent | OrderCreatedEvent | OrderCancelledEvent | PaymentCreatedEvent;

/** The shape any event type must have. */
export interface Event {
  subject: Subjects;
  data: AggregateRef;
}

/** The data type for a subject, e.g. `EventData<Subjects.TicketCreated>`. */
export type EventData<S extends Subjects> = Extract<TicketingEvent, { subject: S }>['data'];

/** `subject:id:version`: unique per event; the broker's message id and the inbox key. */
export function eventMessageId(subject: string, data: AggregateRef): string {
  return `${subject}:${data.id}:${data.version}`;
}
