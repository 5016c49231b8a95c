import pino from 'pino';
import { SettlingMessage, type EventMessage } from '../../transport/event-message';
import { Listener, type EventOutcome } from '../listener';
import { Subjects } from '../../contracts/subjects';
import type { TicketUpdatedEvent } from '../../contracts/types';
import type { DeadLetterRecord, DeadLetterStore, DeliveryHandler, SubscribeOptions, Transport } from '../../transport/transport';

class TestMessage extends SettlingMessage {
  readonly subject = 'ticket:updated';
  readonly msgId = 'ticket:updated:64b7f0c2a1b2c3d4e5f60718:2';
  readonly sequence = 42;
  readonly rawData: Uint8Array;
  readonly calls: string[] = [];
  constructor(
    data: unknown,
    readonly deliveryCount = 1,
  ) {
    super();
    this.rawData = new TextEncoder().encode(typeof data === 'string' ? data : JSON.stringify(data));
  }
  protected doAck(): void {
    this.calls.push('ack');
  }
  protected doNak(delayMs?: number): void {
    this.calls.push(`nak ${delayMs}`);
  }
  protected doTerm(): void {
    this.calls.push('term');
  }
}

/** A transport that hands the subscription's handler to the test and keeps dead letters in memory. */
function stubTransport(withDeadLetters = true) {
  const recorded: DeadLetterRecord[] = [];
  const subscribed: { subject: string; options: SubscribeOptions; handler: DeliveryHandler }[] = [];
  const deadLetters: DeadLetterStore = {
    record: async (entry) => {
      recorded.push(entry);
      return true;
    },
    list: async () => [],
    replay: async () => ({ duplicate: false }),
  };
  const transport: Transport = {
    kind: 'stub',
    deadLetters: withDeadLetters ? deadLetters : undefined,
    publish: async () => ({ duplicate: false }),
    subscribe: async (subject, options, handler) => {
      subscribed.push({ subject, options, handler });
      return { subject, queueGroup: options.queueGroup, close: async () => undefined };
    },
    isConnected: () => true,
    onStatus: () => () => undefined,
    close: async () => undefined,
  };
  return { transport, recorded, subscribed };
}

class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly queueGroupName = 'orders-service';
  protected override ackWait = 2_000;
  protected override maxDeliver = 3;
  protected override retryDelayMs = 250;
  behaviour: (data: TicketUpdatedEvent['data'], msg: EventMessage) => void | EventOutcome = (_data, msg) => msg.ack();
  onMessage(data: TicketUpdatedEvent['data'], msg: EventMessage): void | EventOutcome {
    return this.behaviour(data, msg);
  }
}

const data: TicketUpdatedEvent['data'] = {
  id: '64b7f0c2a1b2c3d4e5f60718',
  version: 2,
  title: 'concert',
  price: 30,
  userId: '64b7f0c2a1b2c3d4e5f60719',
};
const quiet = pino({ level: 'silent' });

async function listening(withDeadLetters = true) {
  const stub = stubTransport(withDeadLetters);
  const listener = new TicketUpdatedListener(stub.transport, { logger: quiet });
  await listener.listen();
  return { ...stub, listener, handler: stub.subscribed[0].handler };
}

describe('Listener', () => {
  it('when it listens, then it subscribes its subject with its queue group, ack wait and max deliver', async () => {
    const { subscribed } = await listening();
    expect(subscribed).toHaveLength(1);
    expect(subscribed[0].subject).toBe('ticket:updated');
    expect(subscribed[0].options).toMatchObject({
      queueGroup: 'orders-service',
      ackWaitMs: 2_000,
      maxDeliver: 3,
      maxInFlight: 10,
      concurrency: 1,
    });
  });

  it('when it subscribes, then deliveries are ordered by the event data id', async () => {
    const { subscribed } = await listening();
    const orderingKey = subscribed[0].options.orderingKey;
    expect(orderingKey?.(new TestMessage({ ...data, id: '64b7f0c2a1b2c3d4e5f60742' }))).toBe('64b7f0c2a1b2c3d4e5f60742');
    expect(orderingKey?.(new TestMessage('not json'))).toBeUndefined();
  });

  it('when listen is called twice, then it subscribes once', async () => {
    const { listener, subscribed } = await listening();
    await listener.listen();
    expect(subscribed).toHaveLength(1);
  });

  it('when onMessage acks, then the message is acknowledged once and nothing else happens', async () => {
    const { handler, recorded } = await listening();
    const msg = new TestMessage(data);
    await handler(msg);
    expect(msg.calls).toEqual(['ack']);
    expect(recorded).toEqual([]);
  });

  it('when onMessage neither acks nor throws before the last delivery, then the message is left to come back after the ack wait', async () => {
    const { handler, listener } = await listening();
    listener.behaviour = () => undefined;
    const msg = new TestMessage(data, 2);
    await handler(msg);
    expect(msg.calls).toEqual([]);
  });

  it('when onMessage throws before the last delivery, then the message is nak-ed with the retry delay', async () => {
    const { handler, listener, recorded } = await listening();
    listener.behaviour = () => {
      throw new Error('boom');
    };
    const msg = new TestMessage(data, 1);
    await handler(msg);
    expect(msg.calls).toEqual(['nak 250']);
    expect(recorded).toEqual([]);
  });

  it('when onMessage throws on the last delivery, then a dead letter is recorded and the message terminated', async () => {
    const { handler, listener, recorded } = await listening();
    listener.behaviour = () => {
      throw new Error('price must be positive');
    };
    const msg = new TestMessage(data, 3);
    await handler(msg);
    expect(msg.calls).toEqual(['term']);
    expect(recorded).toEqual([
      {
        subject: 'ticket:updated',
        data,
        body: JSON.stringify(data),
        msgId: 'ticket:updated:64b7f0c2a1b2c3d4e5f60718:2',
        queueGroup: 'orders-service',
        consumer: 'orders-service_ticket-updated',
        streamSequence: 42,
        error: 'price must be positive',
        deliveryCount: 3,
        source: 'listener',
      },
    ]);
  });

  it('when the last delivery ends without an ack, then it is dead-lettered too', async () => {
    const { handler, listener, recorded } = await listening();
    listener.behaviour = () => undefined;
    const msg = new TestMessage(data, 3);
    await handler(msg);
    expect(msg.calls).toEqual(['term']);
    expect(recorded.map((r) => r.error)).toEqual(['not acknowledged on its last delivery']);
  });

  it('when the body is not JSON, then it is an invalid event: dead-lettered on its first delivery and terminated', async () => {
    const { handler, recorded, listener } = await listening();
    const seen: unknown[] = [];
    listener.behaviour = (d, msg) => (seen.push(d), msg.ack());
    const first = new TestMessage('not json', 1);
    await handler(first);
    expect(first.calls).toEqual(['term']);
    expect(seen).toEqual([]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ data: 'not json', body: 'not json', deliveryCount: 1 });
    expect(recorded[0].error).toMatch(/^invalid event: the body is not JSON/);
  });

  describe('when the event fails its schema', () => {
    const malformed: [string, unknown, RegExp][] = [
      ['a wrong type', { ...data, price: '30' }, /^invalid event: price: .*expected number/],
      ['a missing field', { id: data.id, version: data.version, title: data.title, price: data.price }, /^invalid event: userId: /],
      ['an id that is no ObjectId', { ...data, id: 'ticket-42' }, /^invalid event: id: must be 24 hexadecimal digits/],
      ['a negative version', { ...data, version: -1 }, /^invalid event: version: /],
      ['an invalid optional orderId', { ...data, orderId: 'x' }, /^invalid event: orderId: must be 24 hexadecimal digits/],
    ];

    it.each(malformed)(
      '(%s), then it is dead-lettered with the reason on its first delivery, terminated and never applied',
      async (_case, body, reason) => {
        const { handler, recorded, listener } = await listening();
        const seen: unknown[] = [];
        listener.behaviour = (d, msg) => (seen.push(d), msg.ack());
        const msg = new TestMessage(body, 1);
        await handler(msg);
        expect(msg.calls).toEqual(['term']);
        expect(seen).toEqual([]);
        expect(recorded).toHaveLength(1);
        expect(recorded[0]).toMatchObject({ data: body, queueGroup: 'orders-service', deliveryCount: 1, source: 'listener' });
        expect(recorded[0].error).toMatch(reason);
        expect(() => listener.parseMessage(msg)).toThrow(reason);
      },
    );

    it('and the dead letter cannot be recorded yet, then it comes back (still never applied)', async () => {
      const { handler, transport, listener } = await listening();
      const seen: unknown[] = [];
      listener.behaviour = (d, msg) => (seen.push(d), msg.ack());
      (transport.deadLetters as DeadLetterStore).record = () => Promise.reject(new Error('broker down'));
      const msg = new TestMessage({ ...data, id: 'nope' }, 1);
      await handler(msg);
      expect(msg.calls).toEqual(['nak 250']);
      expect(seen).toEqual([]);
    });

    it('and the transport keeps no dead letters (NATS Streaming), then it is logged and terminated, never applied', async () => {
      const { handler, listener } = await listening(false);
      const seen: unknown[] = [];
      listener.behaviour = (d, msg) => (seen.push(d), msg.ack());
      const msg = new TestMessage({ ...data, userId: 42 }, 1);
      await handler(msg);
      expect(msg.calls).toEqual(['term']);
      expect(seen).toEqual([]);
    });
  });

  it('when a valid event carries unknown keys, then they are stripped and the event applies', async () => {
    const { handler, listener } = await listening();
    const seen: unknown[] = [];
    listener.behaviour = (d, msg) => (seen.push(d), msg.ack());
    const msg = new TestMessage({ ...data, extra: 'ignored' }, 1);
    await handler(msg);
    expect(msg.calls).toEqual(['ack']);
    expect(seen).toEqual([data]);
  });

  it('when onMessage says invalid, then the event is dead-lettered at once and terminated', async () => {
    const { handler, recorded, listener } = await listening();
    listener.behaviour = () => 'invalid';
    const msg = new TestMessage(data, 1);
    await handler(msg);
    expect(msg.calls).toEqual(['term']);
    expect(recorded[0]).toMatchObject({ error: 'invalid event: refused by orders-service', deliveryCount: 1 });
  });

  it('when the transport keeps no dead letters (NATS Streaming), then a failing last delivery is left for redelivery', async () => {
    const { handler, listener } = await listening(false);
    listener.behaviour = () => {
      throw new Error('boom');
    };
    const msg = new TestMessage(data, 3);
    await handler(msg);
    expect(msg.calls).toEqual(['nak 250']);
  });

  it('when a listener declares the wrong subject or data type, then the compiler refuses (checked by typecheck)', () => {
    class WrongSubject extends Listener<TicketUpdatedEvent> {
      // @ts-expect-error a Listener<TicketUpdatedEvent> listens on ticket:updated only
      readonly subject = Subjects.OrderCreated;
      readonly queueGroupName = 'orders-service';
      onMessage(): void {}
    }
    class WrongData extends Listener<TicketUpdatedEvent> {
      readonly subject = Subjects.TicketUpdated;
      readonly queueGroupName = 'orders-service';
      // @ts-expect-error ticket:updated data has no `ticket` field to require
      onMessage(data: { ticket: { id: string } }): void {
        void data;
      }
    }
    expect([WrongSubject, WrongData]).toHaveLength(2);
  });

  it('when a message is settled twice, then only the first settlement counts', () => {
    const msg = new TestMessage(data);
    msg.ack();
    msg.nak();
    msg.term();
    expect(msg.calls).toEqual(['ack']);
    expect(msg.settlement).toBe('ack');
  });

  describe('when onMessage returns an outcome', () => {
    it.each(['applied', 'duplicate'] as const)('when it is %s, then the message is acknowledged', async (outcome) => {
      const { handler, listener, recorded } = await listening();
      listener.behaviour = () => outcome;
      const msg = new TestMessage(data);
      await handler(msg);
      expect(msg.calls).toEqual(['ack']);
      expect(recorded).toEqual([]);
    });

    it.each(['early', 'unknown'] as const)(
      'when it is %s before the last delivery, then it comes back after a delay that grows with each delivery',
      async (outcome) => {
        const { handler, listener, recorded } = await listening();
        listener.behaviour = () => outcome;
        const first = new TestMessage(data, 1);
        const second = new TestMessage(data, 2);
        await handler(first);
        await handler(second);
        expect(first.calls).toEqual(['nak 200']);
        expect(second.calls).toEqual(['nak 400']);
        expect(recorded).toEqual([]);
      },
    );

    it('when an early event reaches its last delivery, then it is dead-lettered with the missing version named and terminated', async () => {
      const { handler, listener, recorded } = await listening();
      listener.behaviour = () => 'early';
      const msg = new TestMessage(data, 3);
      await handler(msg);
      expect(msg.calls).toEqual(['term']);
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({
        queueGroup: 'orders-service',
        error: 'version 2 of 64b7f0c2a1b2c3d4e5f60718 never followed version 1',
      });
    });

    it('when an unknown event reaches its last delivery without a dead-letter store, then it is left for the broker to redeliver', async () => {
      const { handler, listener } = await listening(false);
      listener.behaviour = () => 'unknown';
      const msg = new TestMessage(data, 3);
      await handler(msg);
      expect(msg.calls).toEqual(['nak 600']);
    });
  });
});
