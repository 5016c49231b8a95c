import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus, Subjects } from '@ticketing/common/contracts';
import { Ticket, TicketDoc } from '../../../models/ticket';
import { createTicket } from '../../../services/tickets';
import { newId } from '../../../test/helpers';

/** A ticket created the way the route creates it (with its ticket:created in the outbox). */
export async function existingTicket(): Promise<TicketDoc> {
  return createTicket({ title: `concert ${newId()}`, price: 20, userId: newId() });
}

export async function reload(id: string): Promise<TicketDoc> {
  return Ticket.findById(id).orFail();
}

export function orderCreatedData(ticketId: string, overrides: Partial<OrderCreatedEvent['data']> = {}): OrderCreatedEvent['data'] {
  return {
    id: newId(),
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    ticket: { id: ticketId, price: 20 },
    ...overrides,
  };
}

export function orderCancelledData(orderId: string, ticketId: string, version = 1): OrderCancelledEvent['data'] {
  return { id: orderId, version, ticket: { id: ticketId } };
}

export const subjects = { created: Subjects.OrderCreated, cancelled: Subjects.OrderCancelled } as const;
