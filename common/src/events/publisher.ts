import type { PublishAck, Transport } from '../transport/transport';
import { eventMessageId, type Event } from '../contracts/types';
import { parseEvent } from '../contracts/schemas';

/**
 * Publishes one kind of event. Subclasses name the subject; the event type ties the data to it:
 *
 *   class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
 *     readonly subject = Subjects.TicketCreated;
 *   }
 *   await new TicketCreatedPublisher(natsWrapper.client).publish({ id, version, title, price, userId });
 */
export abstract class Publisher<E extends Event> {
  abstract readonly subject: E['subject'];

  /**
   * `client` is the broker transport (`natsWrapper.client`), or anything with the same `publish`, such
   * as an outbox transaction, which stores the event with the aggregate's write instead.
   */
  constructor(protected readonly client: Pick<Transport, 'publish'>) {}

  /**
   * Resolves once the broker has stored the event (JetStream PubAck); the message id is
   * `subject:id:version`, so a re-publish of the same event is dropped by the broker. While the
   * broker is unreachable it keeps retrying, then rejects after the transport's publish timeout.
   * Data that fails the subject's schema is a programming error: it rejects before anything is
   * published or appended to an outbox (rolling back the transaction it was part of).
   */
  publish(data: E['data']): Promise<PublishAck> {
    const checked = parseEvent(this.subject, data);
    if (!checked.ok) return Promise.reject(new Error(`Refusing to publish an invalid ${this.subject} event: ${checked.error}`));
    return this.client.publish(this.subject, data, { msgId: eventMessageId(this.subject, data) });
  }
}
