import { OrderStatus } from '@ticketing/common/contracts';
import { OrderModel } from '../../../models/order';
import { natsWrapper } from '../../../nats-wrapper';
import { inbox } from '../../../outbox';
import { newId, useWatchedDatabase } from '../../../test/helpers';
import type { PaymentProvider } from '../../../stripe-provider';
import { OrderCancelledListener } from '../order-cancelled-listener';
import { OrderCreatedListener } from '../order-created-listener';

jest.mock('../../../nats-wrapper');

const { commands } = useWatchedDatabase();

/** No payment exists in these tests, so nothing is refunded. */
const noProvider = {} as PaymentProvider;

function created(id = newId()) {
  return {
    id,
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    ticket: { id: newId(), price: 12, reservation: 1 },
  };
}

describe("payments' order replica", () => {
  it('when order:created is applied, then exactly one write (an insert-if-absent upsert), no transaction and no inbox record', async () => {
    const data = created();
    await expect(new OrderCreatedListener(natsWrapper.client).onMessage(data)).resolves.toBe('applied');
    expect(commands).toEqual(['update orders']);
    expect(await inbox.model.countDocuments()).toBe(0);
    expect(await OrderModel.findById(data.id).lean()).toMatchObject({ price: 12, version: 0, paymentAttempts: 0 });
  });

  it('when order:created is redelivered, then it is a duplicate and the replica is unchanged', async () => {
    const data = created();
    await new OrderCreatedListener(natsWrapper.client).onMessage(data);
    commands.length = 0;
    await expect(new OrderCreatedListener(natsWrapper.client).onMessage({ ...data, ticket: { ...data.ticket, price: 99 } })).resolves.toBe(
      'duplicate',
    );
    expect(commands).toEqual(['update orders']);
    expect((await OrderModel.findById(data.id).lean())?.price).toBe(12);
  });

  it('when order:cancelled is applied, then no inbox record: the conditional update and the refund mark commit together', async () => {
    const data = created();
    await new OrderCreatedListener(natsWrapper.client).onMessage(data);
    commands.length = 0;
    const listener = new OrderCancelledListener(natsWrapper.client, noProvider);
    await expect(listener.onMessage({ id: data.id, version: 1, ticket: { id: data.ticket.id, reservation: 1 } })).resolves.toBe('applied');
    expect(commands.slice(0, 3)).toEqual(['findAndModify orders', 'update payments', 'commitTransaction 1']);
    expect(commands).not.toContain('insert inbox');
    expect(await OrderModel.findById(data.id).lean()).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });
});
