import { Subjects, type TicketCreatedEvent } from '@ticketing/common/contracts';
import { Publisher } from '@ticketing/common/events';
import { natsWrapper } from './nats-wrapper';

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

/** Stands in for a route handler that saves a ticket and publishes its event. */
export async function createTicket(title: string, price: number, userId: string): Promise<TicketCreatedEvent['data']> {
  const ticket = { id: '64b7f0c2a1b2c3d4e5f600d0', version: 0, title, price, userId };
  await new TicketCreatedPublisher(natsWrapper.client).publish(ticket);
  return ticket;
}
