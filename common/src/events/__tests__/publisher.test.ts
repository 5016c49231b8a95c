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

const ticket: TicketCreatedEvent['data'] = { id: 't1', version: 3, title: 'concert', price: 20, userId: 'u1' };

describe('Publisher', () => {
  it('when it publishes, then the transport gets the subject, the data alone and the message id subject:id:version', async () => {
    const { transport, calls } = recordingTransport();

    const ack = await new TicketCreatedPublisher(transport).publish(ticket);

    expect(ack).toEqual({ duplicate: false, seq: 1 });
    expect(calls).toEqual([['ticket:created', ticket, { msgId: 'ticket:created:t1:3' }]]);
    expect(eventMessageId(Subjects.TicketCreated, ticket)).toBe('ticket:created:t1:3');
  });

  it('when the types disagree, then the compiler refuses (checked by typecheck)', () => {
    const { transport } = recordingTransport();
    const publisher = new TicketCreatedPublisher(transport);
    const cancelled: OrderCancelledEvent['data'] = { id: 'o1', version: 1, ticket: { id: 't1' } };

    // @ts-expect-error an order:cancelled payload is not ticket:created data
    void publisher.publish(cancelled);

    class WrongSubjectPublisher extends Publisher<TicketCreatedEvent> {
      // @ts-expect-error a Publisher<TicketCreatedEvent> cannot publish on another subject
      readonly subject = Subjects.OrderCancelled;
    }
    expect(WrongSubjectPublisher).toBeDefined();
    expect(publisher.subject).toBe('ticket:created');
  });
});
