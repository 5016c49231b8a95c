import {
  eventMessageId,
  Subjects,
  type OrderCancelledEvent,
  type OrderCreatedEvent,
  type TicketCreatedEvent,
  type TicketingEvent,
  type TicketUpdatedEvent,
} from '@ticketing/common/contracts';
import { createTransport, JetStreamTransport, listDeadLetters, replayDeadLetter, type Transport } from '@ticketing/common/transport';
import { Publisher } from '@ticketing/common/events';
import { startNats, type NatsServerHandle, eventually } from '@ticketing/testkit';
import { captureLogger, eventFactories, quietLogger, randomId, RecordingListener } from './helpers';

class TicketCreatedPublisher extends Publisher<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
}
class TicketUpdatedPublisher extends Publisher<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
}
class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}
class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}

// These tests drive real brokers; a loaded CI machine can be slow.
jest.setTimeout(30_000);

let server: NatsServerHandle;
const transports: Transport[] = [];
const listeners: RecordingListener<TicketingEvent>[] = [];

async function connect(logger = quietLogger, stream?: { subjects: string[] }): Promise<JetStreamTransport> {
  const transport = (await createTransport(
    { NATS_URL: server.url, NATS_TRANSPORT: 'jetstream' },
    { logger, publishTimeoutMs: 10_000, stream },
  )) as JetStreamTransport;
  transports.push(transport);
  return transport;
}

async function listen<E extends TicketingEvent>(listener: RecordingListener<E>): Promise<RecordingListener<E>> {
  await listener.listen();
  listeners.push(listener as unknown as RecordingListener<TicketingEvent>);
  return listener;
}

function freshGroup(): string {
  return `group-${randomId().slice(0, 8)}`;
}

// A broker per test: a new durable replays the whole stream (deliver policy all), so tests must not share one.
beforeEach(async () => {
  server = await startNats();
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await server?.stop();
});

describe('JetStream publishers and listeners', () => {
  it('when each of the four events is published, then a listener on its subject receives its data unchanged', async () => {
    const transport = await connect();
    const group = freshGroup();
    const ticketCreated = await listen(new RecordingListener<TicketCreatedEvent>(transport, Subjects.TicketCreated, group));
    const ticketUpdated = await listen(new RecordingListener<TicketUpdatedEvent>(transport, Subjects.TicketUpdated, group));
    const orderCreated = await listen(new RecordingListener<OrderCreatedEvent>(transport, Subjects.OrderCreated, group));
    const orderCancelled = await listen(new RecordingListener<OrderCancelledEvent>(transport, Subjects.OrderCancelled, group));

    const sent = {
      ticketCreated: eventFactories[Subjects.TicketCreated](),
      ticketUpdated: eventFactories[Subjects.TicketUpdated](),
      orderCreated: eventFactories[Subjects.OrderCreated](),
      orderCancelled: eventFactories[Subjects.OrderCancelled](),
    };
    const acks = await Promise.all([
      new TicketCreatedPublisher(transport).publish(sent.ticketCreated),
      new TicketUpdatedPublisher(transport).publish(sent.ticketUpdated),
      new OrderCreatedPublisher(transport).publish(sent.orderCreated),
      new OrderCancelledPublisher(transport).publish(sent.orderCancelled),
    ]);
    expect(acks.map((a) => a.duplicate)).toEqual([false, false, false, false]);

    const byId = <E extends TicketingEvent>(l: RecordingListener<E>, id: string) => l.deliveries.find((d) => d.data.id === id);
    await eventually(
      () =>
        [
          byId(ticketCreated, sent.ticketCreated.id),
          byId(ticketUpdated, sent.ticketUpdated.id),
          byId(orderCreated, sent.orderCreated.id),
          byId(orderCancelled, sent.orderCancelled.id),
        ].every(Boolean),
      'all four events arrive',
    );
    expect(byId(ticketCreated, sent.ticketCreated.id)?.data).toEqual(sent.ticketCreated);
    expect(byId(ticketUpdated, sent.ticketUpdated.id)?.data).toEqual(sent.ticketUpdated);
    expect(byId(orderCreated, sent.orderCreated.id)?.data).toEqual(sent.orderCreated);
    expect(byId(orderCancelled, sent.orderCancelled.id)?.data).toEqual(sent.orderCancelled);

    const msg = byId(orderCreated, sent.orderCreated.id)?.msg;
    expect(msg?.subject).toBe(Subjects.OrderCreated);
    expect(msg?.deliveryCount).toBe(1);
    expect(msg?.msgId).toBe(eventMessageId(Subjects.OrderCreated, sent.orderCreated));
    expect(msg?.settlement).toBe('ack');
    // The body is the JSON of the data alone, as a course-style consumer expects.
    expect(JSON.parse(new TextDecoder().decode(msg?.rawData))).toEqual(sent.orderCreated);
  });

  it('when two replicas share a queue group, then each of N events is handled exactly once between them', async () => {
    const group = freshGroup();
    const handledBy = new Map<string, string[]>();
    const replica = async (name: string) =>
      listen(
        new RecordingListener<TicketCreatedEvent>(await connect(), Subjects.TicketCreated, group, {
          maxInFlight: 1,
          onMessage: async (data, msg) => {
            handledBy.set(data.id, [...(handledBy.get(data.id) ?? []), name]);
            await new Promise((resolve) => setTimeout(resolve, 5));
            msg.ack();
          },
        }),
      );
    const [a, b] = await Promise.all([replica('a'), replica('b')]);
    const publisher = new TicketCreatedPublisher(await connect());
    const events = Array.from({ length: 40 }, () => eventFactories[Subjects.TicketCreated]());
    for (const event of events) await publisher.publish(event);

    await eventually(() => events.every((e) => handledBy.has(e.id)), 'every event is handled');
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong second delivery to show up
    expect([...handledBy.values()].filter((names) => names.length > 1)).toEqual([]);
    expect(a.deliveries.length + b.deliveries.length).toBe(events.length);
    expect(a.deliveries.length).toBeGreaterThan(0);
    expect(b.deliveries.length).toBeGreaterThan(0);
  });

  it('when a listener handles several events at once, then different tickets overlap while each ticket sees its versions one at a time, in order', async () => {
    const transport = await connect();
    const inFlight = new Map<string, number>();
    const seen = new Map<string, number[]>();
    let running = 0;
    let mostAtOnce = 0;
    let sameTicketOverlaps = 0;
    await listen(
      new RecordingListener<TicketUpdatedEvent>(transport, Subjects.TicketUpdated, freshGroup(), {
        concurrency: 4,
        onMessage: async (data, msg) => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          if (inFlight.get(data.id)) sameTicketOverlaps += 1;
          inFlight.set(data.id, 1);
          seen.set(data.id, [...(seen.get(data.id) ?? []), data.version]);
          await new Promise((resolve) => setTimeout(resolve, 10));
          inFlight.set(data.id, 0);
          running -= 1;
          msg.ack();
        },
      }),
    );
    const publisher = new TicketUpdatedPublisher(await connect());
    const tickets = Array.from({ length: 4 }, () => eventFactories[Subjects.TicketUpdated]());
    const versions = [1, 2, 3, 4, 5];
    // Interleaved, as a burst of updates to several tickets arrives.
    for (const version of versions) {
      for (const ticket of tickets) await publisher.publish({ ...ticket, version });
    }

    await eventually(() => tickets.every((t) => (seen.get(t.id) ?? []).length === versions.length), 'every version is handled');
    expect(sameTicketOverlaps).toBe(0);
    expect(tickets.map((t) => seen.get(t.id))).toEqual(tickets.map(() => versions));
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
  });

  it('when a listener neither acks nor throws, then the event comes back after the ack wait', async () => {
    const transport = await connect();
    const listener = await listen(
      new RecordingListener<TicketUpdatedEvent>(transport, Subjects.TicketUpdated, freshGroup(), {
        ackWait: 500,
        onMessage: (_data, msg) => {
          if (msg.deliveryCount >= 2) msg.ack();
        },
      }),
    );
    const event = eventFactories[Subjects.TicketUpdated]();
    await new TicketUpdatedPublisher(transport).publish(event);

    await eventually(() => listener.deliveries.length >= 2, 'the event is redelivered');
    expect(listener.deliveries.map((d) => [d.data.id, d.msg.deliveryCount])).toEqual([
      [event.id, 1],
      [event.id, 2],
    ]);
    expect(listener.deliveries[0].msg.settlement).toBeUndefined();
    expect(listener.deliveries[1].msg.settlement).toBe('ack');
  });

  it('when a listener throws, then the event is not acknowledged, the error is logged and the event comes back', async () => {
    const transport = await connect();
    const { logger, lines } = captureLogger();
    const listener = await listen(
      new RecordingListener<OrderCancelledEvent>(transport, Subjects.OrderCancelled, freshGroup(), {
        retryDelayMs: 100,
        logger,
        onMessage: (_data, msg) => {
          if (msg.deliveryCount === 1) throw new Error('database unavailable');
          msg.ack();
        },
      }),
    );
    await new OrderCancelledPublisher(transport).publish(eventFactories[Subjects.OrderCancelled]());

    await eventually(() => listener.deliveries.length >= 2, 'the event comes back');
    expect(listener.deliveries[0].msg.settlement).toBe('nak');
    expect(listener.deliveries[1].msg.deliveryCount).toBe(2);
    expect(lines.some((l) => l.level === 50 && (l.err as { message?: string })?.message === 'database unavailable')).toBe(true);
  });

  it('when the same event is published twice, then the broker stores it once and reports the second as a duplicate', async () => {
    const transport = await connect();
    const publisher = new OrderCreatedPublisher(transport);
    const event = eventFactories[Subjects.OrderCreated]();
    const before = (await transport.jsm.streams.info(transport.streamName)).state.messages;

    const first = await publisher.publish(event);
    const second = await publisher.publish(event);
    // The outbox relay's raw publish uses the same key.
    const third = await transport.publish(Subjects.OrderCreated, event, { msgId: eventMessageId(Subjects.OrderCreated, event) });

    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ duplicate: true, stream: 'TICKETING', seq: first.seq });
    expect(third.duplicate).toBe(true);
    expect((await transport.jsm.streams.info(transport.streamName)).state.messages).toBe(before + 1);
  });

  it('when a subject is not captured by the stream, then publish rejects at once with a clear error', async () => {
    const transport = await connect();
    await expect(transport.publish('refund:created', { id: 'x', version: 0 })).rejects.toThrow(
      'Cannot publish on "refund:created": stream TICKETING does not capture it',
    );
  });

  it('when a listener keeps failing, then after max deliver the event is a dead letter with its error, and replay delivers it again', async () => {
    const transport = await connect();
    const { logger, lines } = captureLogger();
    const group = freshGroup();
    let healthy = false;
    const listener = await listen(
      new RecordingListener<TicketCreatedEvent>(transport, Subjects.TicketCreated, group, {
        maxDeliver: 3,
        retryDelayMs: 50,
        logger,
        onMessage: (_data, msg) => {
          if (!healthy) throw new Error('price must be positive');
          msg.ack();
        },
      }),
    );
    const poison = eventFactories[Subjects.TicketCreated]({ title: 'poison' });
    await new TicketCreatedPublisher(transport).publish(poison);

    await eventually(
      async () => (await listDeadLetters(transport)).some((d) => d.msgId === eventMessageId(Subjects.TicketCreated, poison)),
      'the dead letter is recorded',
    );
    const letter = (await listDeadLetters(transport)).find((d) => d.msgId === eventMessageId(Subjects.TicketCreated, poison));
    expect(letter).toMatchObject({
      subject: Subjects.TicketCreated,
      data: poison,
      queueGroup: group,
      error: 'price must be positive',
      deliveryCount: 3,
      source: 'listener',
    });
    expect(new Date(letter?.time ?? '').getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(listener.deliveries.map((d) => d.msg.deliveryCount)).toEqual([1, 2, 3]);
    expect(listener.deliveries[2].msg.settlement).toBe('term');
    expect(lines.some((l) => l.level === 50 && String(l.msg).includes('dead-lettered'))).toBe(true);

    healthy = true;
    await replayDeadLetter(transport, letter?.id ?? '');
    await eventually(() => listener.deliveries.some((d) => d.msg.settlement === 'ack'), 'the replayed event is handled');
    const replayed = listener.deliveries.find((d) => d.msg.settlement === 'ack');
    expect(replayed?.data).toEqual(poison);
    expect((await listDeadLetters(transport)).some((d) => d.id === letter?.id)).toBe(false);
  });

  it('when the last delivery times out without a listener verdict, then the broker advisory records the dead letter', async () => {
    const transport = await connect();
    const group = freshGroup();
    const seen: number[] = [];
    // A raw subscription that never settles, like a replica that dies mid-handler: only the broker knows.
    const subscription = await transport.subscribe(
      Subjects.OrderCreated,
      { queueGroup: group, ackWaitMs: 300, maxDeliver: 2, maxInFlight: 1 },
      async (msg) => {
        seen.push(msg.deliveryCount);
      },
    );
    const event = eventFactories[Subjects.OrderCreated]();
    await new OrderCreatedPublisher(transport).publish(event);

    try {
      await eventually(async () => (await listDeadLetters(transport)).some((d) => d.queueGroup === group), 'the advisory is recorded');
      const letters = (await listDeadLetters(transport)).filter((d) => d.queueGroup === group);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        subject: Subjects.OrderCreated,
        data: event,
        msgId: eventMessageId(Subjects.OrderCreated, event),
        deliveryCount: 2,
        source: 'advisory',
      });
      expect(letters[0].error).toMatch(/not acknowledged after 2 deliveries/);
      expect(seen).toEqual([1, 2]);
    } finally {
      await subscription.close();
    }
  });

  it('when the stream already exists with other subjects, then connecting adds the event subjects and keeps the others', async () => {
    await connect(quietLogger, { subjects: ['ticket:created', 'payment:created'] });
    const transport = await connect();

    const info = await transport.jsm.streams.info(transport.streamName);
    expect([...(info.config.subjects ?? [])].sort()).toEqual([
      'order:cancelled',
      'order:created',
      'payment:created',
      'ticket:created',
      'ticket:updated',
    ]);
    expect(info.config.duplicate_window).toBe(120_000_000_000);
    expect(info.config.storage).toBe('file');
  });
});
