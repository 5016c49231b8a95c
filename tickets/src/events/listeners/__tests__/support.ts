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
