import mongoose from 'mongoose';
import { createFakeMessage, fakeNatsWrapper, useMongoose } from '@ticketing/testkit';
import type { EventMessage } from '../../transport/event-message';
import { Listener } from '../../events/listener';
import { Subjects } from '../../contracts/subjects';
import type { OrderCreatedEvent } from '../../contracts/types';
import { OrderStatus } from '../../contracts/types';
import { Inbox } from '../inbox';
import { Outbox } from '../outbox';
import { counterEvent, CounterModel } from './support';

const database = useMongoose();

let outbox: Outbox;
let inbox: Inbox;

beforeAll(async () => {
  outbox = new Outbox(mongoose.connection);
  inbox = new Inbox(outbox);
  await outbox.init();
  await inbox.init();
  await CounterModel.createCollection().catch(() => undefined);
});

function orderCreated(counterId: mongoose.Types.ObjectId): OrderCreatedEvent['data'] {
  return {
    id: new mongoose.Types.ObjectId().toHexString(),
    version: 0,
    status: OrderStatus.Created,
    userId: 'u1',
    expiresAt: new Date().toISOString(),
    ticket: { id: counterId.toHexString(), price: 10, reservation: 1 },
  };
}

/** The effect under test: bump the counter and emit its event, as a listener's domain call would. */
async function bump(counterId: mongoose.Types.ObjectId, tx: Parameters<Parameters<Inbox['handleOnce']>[3]>[0]) {
  const counter = await CounterModel.findById(counterId).session(tx.session).orFail();
  counter.value += 1;
  counter.version += 1;
  await counter.save({ session: tx.session });
  await tx.add(counterEvent(counter));
}

async function newCounter() {
  return CounterModel.create({ value: 0, version: 0 });
}

describe('inbox', () => {
  it('when the same event is handled twice, then it changes state once and the second is a duplicate', async () => {
    const counter = await newCounter();
    const event = orderCreated(counter._id);

    const first = await inbox.handleOnce('tickets-service', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx));
    const second = await inbox.handleOnce('tickets-service', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx));

    expect([first, second]).toEqual(['applied', 'duplicate']);
    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 1, version: 1 });
    expect(await outbox.model.countDocuments({ aggregateId: counter._id.toHexString() })).toBe(1);
    expect(await inbox.model.findById(Inbox.key('tickets-service', Subjects.OrderCreated, event)).lean()).not.toBeNull();
  });

  it('when an event is handled for the first time, then the inbox sends no lookup of its own: it writes its record in the transaction', async () => {
    // A connection of its own: the driver reports commands only on a client built to monitor them.
    const watched = await mongoose.createConnection(database.uri, { monitorCommands: true }).asPromise();
    try {
      const watchedOutbox = new Outbox(watched);
      const watchedInbox = new Inbox(watchedOutbox);
      await Promise.all([watchedOutbox.model.init(), watchedInbox.model.init()]);
      const event = orderCreated(new mongoose.Types.ObjectId());
      const sent: string[] = [];
      watched.getClient().on('commandStarted', (e) => sent.push(`${e.commandName} ${String(e.command[e.commandName])}`));

      expect(await watchedInbox.handleOnce('tickets-service', Subjects.OrderCreated, event, async () => undefined)).toBe('applied');

      expect(sent).toEqual(['insert inbox', 'commitTransaction 1']);
    } finally {
      await watched.close();
    }
  });

  it('when two deliveries of one event run at once, then exactly one applies', async () => {
    const counter = await newCounter();
    const event = orderCreated(counter._id);

    const results = await Promise.all(
      Array.from({ length: 5 }, () => inbox.handleOnce('tickets-service', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx))),
    );

    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(4);
    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 1, version: 1 });
  });

  it('when the handler throws, then nothing is recorded and a later delivery applies', async () => {
    const counter = await newCounter();
    const event = orderCreated(counter._id);

    await expect(
      inbox.handleOnce('tickets-service', Subjects.OrderCreated, event, async (tx) => {
        await bump(counter._id, tx);
        throw new Error('not yet');
      }),
    ).rejects.toThrow('not yet');
    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 0, version: 0 });
    expect(await inbox.model.countDocuments({})).toBe(0);
    expect(await outbox.model.countDocuments({})).toBe(0);

    expect(await inbox.handleOnce('tickets-service', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx))).toBe('applied');
  });

  it('when two queue groups handle one event, then each applies it once', async () => {
    const counter = await newCounter();
    const event = orderCreated(counter._id);

    const a = await inbox.handleOnce('group-a', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx));
    const b = await inbox.handleOnce('group-b', Subjects.OrderCreated, event, (tx) => bump(counter._id, tx));

    expect([a, b]).toEqual(['applied', 'applied']);
  });

  it('when a listener built on the inbox gets a redelivery, then it acks both deliveries and applies once', async () => {
    class CounterBumpingListener extends Listener<OrderCreatedEvent> {
      readonly subject = Subjects.OrderCreated;
      readonly queueGroupName = 'tickets-service';
      async onMessage(data: OrderCreatedEvent['data'], msg: EventMessage): Promise<void> {
        await inbox.handleOnce(this.queueGroupName, this.subject, data, (tx) => bump(new mongoose.Types.ObjectId(data.ticket.id), tx));
        msg.ack();
      }
    }
    const counter = await newCounter();
    const event = orderCreated(counter._id);
    const listener = new CounterBumpingListener(fakeNatsWrapper.client);
    const first = createFakeMessage({ subject: Subjects.OrderCreated });
    const redelivery = createFakeMessage({ subject: Subjects.OrderCreated, deliveryCount: 2 });

    await listener.onMessage(event, first);
    await listener.onMessage(event, redelivery);

    expect(first.ack).toHaveBeenCalledTimes(1);
    expect(redelivery.ack).toHaveBeenCalledTimes(1);
    expect(await CounterModel.findById(counter._id).lean()).toMatchObject({ value: 1, version: 1 });
  });
});
