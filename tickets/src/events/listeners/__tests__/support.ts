import { OrderCancelledEvent, OrderCreatedEvent, OrderStatus } from '@ticketing/common/contracts';
import type { Listener } from '@ticketing/common/events';
import type { Transport } from '@ticketing/common/transport';
import { FakeEventMessage, FakeTransport } from '@ticketing/testkit';
import { createTicket, Ticket } from '../../../domain/tickets';
import { Ticket as TicketModel, TicketDoc } from '../../../models/ticket';
import { newId } from '../../../test/helpers';

/** A ticket created the way the route creates it (with its ticket:created in the outbox). */
export async function existingTicket(): Promise<Ticket> {
  return createTicket({ title: `concert ${newId()}`, price: 20, userId: newId() });
}

export async function reload(id: string): Promise<TicketDoc> {
  return TicketModel.findById(id).orFail();
}

/** order:created of a new order for the ticket, the ticket's `reservation`th order (1: its first). */
export function orderCreatedData(ticketId: string, reservation = 1): OrderCreatedEvent['data'] {
  return {
    id: newId(),
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    ticket: { id: ticketId, price: 20, reservation },
  };
}

/** order:cancelled of the order `created` announced. */
export function orderCancelledData(created: Pick<OrderCreatedEvent['data'], 'id' | 'ticket'>, version = 1): OrderCancelledEvent['data'] {
  return { id: created.id, version, ticket: { id: created.ticket.id, reservation: created.ticket.reservation } };
}

type ListenerClass = new (client: Transport) => Listener<OrderCreatedEvent> | Listener<OrderCancelledEvent>;

/**
 * Delivers `data` to a new `Listener` as the broker would (its own in-memory transport), and resolves
 * with the message once handled: `msg.settlement` says whether the base class acked or nakked it.
 */
export async function deliver(Listener: ListenerClass, data: unknown, deliveryCount = 1): Promise<FakeEventMessage> {
  const transport = new FakeTransport();
  const listener = new Listener(transport);
  await listener.listen();
  try {
    const [msg] = await transport.deliver(listener.subject, data, { deliveryCount });
    return msg;
  } finally {
    await listener.close();
  }
}
