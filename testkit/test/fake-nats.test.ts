import { Subjects, type OrderCancelledEvent } from '@ticketing/common/contracts';
import { type EventMessage } from '@ticketing/common/transport';
import { Listener } from '@ticketing/common/events';
import { createFakeMessage, fakeNatsWrapper, FakeTransport } from '../src/fake-nats';
import { createTicket } from './support/create-ticket';
import { natsWrapper } from './support/nats-wrapper';
import pino from 'pino';

jest.mock('./support/nats-wrapper');

const quietLogger = pino({ level: 'silent' });

class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = 'tickets-service';
  readonly released: string[] = [];
  onMessage(data: OrderCancelledEvent['data'], msg: EventMessage): void {
    if (data.version < 1) throw new Error('version must be at least 1');
    this.released.push(data.ticket.id);
    msg.ack();
  }
}

beforeEach(() => {
  jest.clearAllMocks();
});

describe('fake NATS for unit tests', () => {
  it('when a service module is mocked with the one-line __mocks__ file, then its natsWrapper is the fake', () => {
    expect(natsWrapper).toBe(fakeNatsWrapper);
    expect(natsWrapper.isConnected()).toBe(true);
  });

  it('when code publishes through the mocked wrapper, then publish is a jest mock and the event is readable by subject', async () => {
    const ticket = await createTicket('concert', 20, '64b7f0c2a1b2c3d4e5f600b1');

    expect(natsWrapper.client.publish).toHaveBeenCalledTimes(1);
    expect(natsWrapper.client.publish).toHaveBeenCalledWith('ticket:created', ticket, {
      msgId: 'ticket:created:64b7f0c2a1b2c3d4e5f600d0:0',
    });
    expect(fakeNatsWrapper.published(Subjects.TicketCreated)).toEqual([
      { subject: 'ticket:created', data: ticket, msgId: 'ticket:created:64b7f0c2a1b2c3d4e5f600d0:0' },
    ]);
    expect(fakeNatsWrapper.published(Subjects.OrderCreated)).toEqual([]);
  });

  it('when jest.clearAllMocks runs between tests, then earlier publishes are forgotten', () => {
    expect(natsWrapper.client.publish).not.toHaveBeenCalled();
    expect(fakeNatsWrapper.published()).toEqual([]);
  });

  it('when the same event is published twice, then the fake reports the second as a duplicate like the broker', async () => {
    const transport = new FakeTransport();
    const data = { id: '64b7f0c2a1b2c3d4e5f600c1', version: 1, ticket: { id: '64b7f0c2a1b2c3d4e5f600a1', reservation: 1 } };
    const first = await transport.publish('order:cancelled', data, { msgId: 'order:cancelled:64b7f0c2a1b2c3d4e5f600c1:1' });
    const second = await transport.publish('order:cancelled', data, { msgId: 'order:cancelled:64b7f0c2a1b2c3d4e5f600c1:1' });
    expect([first.duplicate, second.duplicate]).toEqual([false, true]);
    expect(transport.published('order:cancelled')).toHaveLength(2);
  });

  it('when a listener handles a fake message, then its ack is a spy and the settlement is recorded', async () => {
    const listener = new OrderCancelledListener(fakeNatsWrapper.client, { logger: quietLogger });
    const data = { id: '64b7f0c2a1b2c3d4e5f600c1', version: 1, ticket: { id: '64b7f0c2a1b2c3d4e5f600a1', reservation: 1 } };
    const msg = createFakeMessage({ subject: Subjects.OrderCancelled, data });

    await listener.onMessage(data, msg);

    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(msg.nak).not.toHaveBeenCalled();
    expect(msg.settlement).toBe('ack');
    expect(msg.deliveryCount).toBe(1);
    expect(listener.released).toEqual(['64b7f0c2a1b2c3d4e5f600a1']);
  });

  it('when a listener subscribed to the fake transport gets a delivery it rejects, then the message is nak-ed, not acked', async () => {
    const transport = new FakeTransport();
    const listener = new OrderCancelledListener(transport, { logger: quietLogger });
    await listener.listen();

    const [rejected] = await transport.deliver(Subjects.OrderCancelled, {
      id: '64b7f0c2a1b2c3d4e5f600c2',
      version: 0,
      ticket: { id: '64b7f0c2a1b2c3d4e5f600a2', reservation: 1 },
    });
    const [accepted] = await transport.deliver(
      Subjects.OrderCancelled,
      { id: '64b7f0c2a1b2c3d4e5f600c3', version: 1, ticket: { id: '64b7f0c2a1b2c3d4e5f600a3', reservation: 1 } },
      { deliveryCount: 2 },
    );

    expect(rejected.ack).not.toHaveBeenCalled();
    expect(rejected.nak).toHaveBeenCalledTimes(1);
    expect(accepted.ack).toHaveBeenCalledTimes(1);
    expect(accepted.deliveryCount).toBe(2);
    expect(listener.released).toEqual(['64b7f0c2a1b2c3d4e5f600a3']);
  });
});
