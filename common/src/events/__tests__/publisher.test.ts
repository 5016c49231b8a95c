import { Publisher } from '../publisher';
import { Subjects } from '../../contracts/subjects';
import { eventMessageId, type OrderCancelledEvent, type TicketCreatedEvent } from '../../contracts/types';
import type { PublishAck, PublishOptions, Transport } from '../../transport/transport';

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}

/** A transport that records publish calls; the other members are never used here. */
function recordingTransport(): { transport: Transport; calls: [string, unknown, PublishOptions | undefined][] } {
  const calls: [string, unknown, PublishOptions | undefined][] = [];
  const transport: Transport = {
    kind: 'recording',
    deadLetters: undefined,
    publish: async (subject, data, options): Promise<PublishAck> => {
      calls.push([subject, data, options]);
      return { duplicate: false, seq: calls.length };
    },
    subscribe: () => Promise.reject(new Error('not used')),
    isConnected: () => true,
    onStatus: () => () => undefined,
    close: async () => undefined,
  };
  return { transport, calls };
}

const ticket: TicketCreatedEvent['data'] = {
  id: '64b7f0c2a1b2c3d4e5f60718',
  version: 3,
  title: 'concert',
  price: 20,
  userId: '64b7f0c2a1b2c3d4e5f60719',
};

describe('Publisher', () => {
  it('when it publishes, then the transport gets the subject, the data alone and the message id subject:id:version', async () => {
    const { transport, calls } = recordingTransport();

    const ack = await new TicketCreatedPublisher(transport).publish(ticket);

    expect(ack).toEqual({ duplicate: false, seq: 1 });
    expect(calls).toEqual([['ticket:created', ticket, { msgId: 'ticket:created:64b7f0c2a1b2c3d4e5f60718:3' }]]);
    expect(eventMessageId(Subjects.TicketCreated, ticket)).toBe('ticket:created:64b7f0c2a1b2c3d4e5f60718:3');
  });

  it('when the types disagree, then the compiler refuses (checked by typecheck)', () => {
    const { transport } = recordingTransport();
    const publisher = new TicketCreatedPublisher(transport);
    const cancelled: OrderCancelledEvent['data'] = {
      id: '64b7f0c2a1b2c3d4e5f6071a',
      version: 1,
      ticket: { id: '64b7f0c2a1b2c3d4e5f60718', reservation: 1 },
    };

    // @ts-expect-error an order:cancelled payload is not ticket:created data
    void publisher.publish(cancelled).catch(() => undefined);

    class WrongSubjectPublisher extends Publisher<TicketCreatedEvent> {
      // @ts-expect-error a Publisher<TicketCreatedEvent> cannot publish on another subject
      readonly subject = Subjects.OrderCancelled;
    }
    expect(WrongSubjectPublisher).toBeDefined();
    expect(publisher.subject).toBe('ticket:created');
  });

  it.each([
    ['a missing field', { id: ticket.id, version: 3, title: 'concert', price: 20 }, /userId/],
    ['a wrong type', { ...ticket, price: '20' }, /price: .*expected number/],
    ['an id that is no ObjectId', { ...ticket, id: 't1' }, /id: must be 24 hexadecimal digits/],
    ['a fractional version', { ...ticket, version: 1.5 }, /version/],
  ])('when the data has %s, then publish rejects and nothing reaches the transport', async (_case, bad, reason) => {
    const { transport, calls } = recordingTransport();
    const publisher = new TicketCreatedPublisher(transport);

    await expect(publisher.publish(bad as TicketCreatedEvent['data'])).rejects.toThrow(reason);
    await expect(publisher.publish(bad as TicketCreatedEvent['data'])).rejects.toThrow(
      /^Refusing to publish an invalid ticket:created event: /,
    );
    expect(calls).toEqual([]);
  });
});
