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
    ticket: { id: string; price: number };
  };
}

export interface OrderCancelledEvent {
  subject: Subjects.OrderCancelled;
  data: AggregateRef & { ticket: { id: string } };
}

export type TicketingEvent = TicketCreatedEvent | TicketUpdatedEvent | OrderCreatedEvent | OrderCancelledEvent;

/** The shape any event type must have. */
export interface Event {
  subject: Subjects;
  data: AggregateRef;
}

/** The data type for a subject, e.g. `EventData<Subjects.TicketCreated>`. */
export type EventData<S extends Subjects> = Extract<TicketingEvent, { subject: S }>['data'];

/** `subject:id:version`: unique per event; the broker's message id and the inbox key. */
export function eventMessageId(subject: Subjects, data: AggregateRef): string {
  return `${subject}:${data.id}:${data.version}`;
}
