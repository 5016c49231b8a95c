import { useMongoose } from '@ticketing/testkit';
import mongoose from 'mongoose';
import { Ticket, TicketBuildAttrs, toTicket } from '../ticket';
import { newId } from '../../test/helpers';

useMongoose();

function build() {
  return Ticket.build({ title: `concert ${newId()}`, price: 5, userId: newId() });
}

describe('Ticket model', () => {
  it('when a stale instance is saved after another one, then it fails with a VersionError and the first change stays', async () => {
    const ticket = build();
    await ticket.save();
    const first = await Ticket.findById(ticket.id).orFail();
    const second = await Ticket.findById(ticket.id).orFail();

    first.set({ price: 10 });
    second.set({ price: 15 });
    await first.save();

    await expect(second.save()).rejects.toBeInstanceOf(mongoose.Error.VersionError);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ price: 10, version: 1 });
  });

  it('when a ticket is saved repeatedly, then the version goes 0, 1, 2, 3', async () => {
    const ticket = build();
    await ticket.save();
    expect(ticket.version).toBe(0);
    for (const expected of [1, 2, 3]) {
      ticket.set({ price: ticket.price + 1 });
      await ticket.save();
      expect(ticket.version).toBe(expected);
      expect((await Ticket.findById(ticket.id).orFail()).version).toBe(expected);
    }
  });

  it('when serialised, then it is {id, title, price, userId, version}, with orderId only while reserved', async () => {
    const ticket = build();
    await ticket.save();
    const base = { id: ticket._id.toHexString(), title: ticket.title, price: 5, userId: ticket.userId, version: 0 };
    expect(ticket.toJSON()).toEqual(base);
    expect(toTicket(ticket)).toEqual(base);

    const orderId = newId();
    ticket.set({ orderId });
    await ticket.save();
    expect(ticket.toJSON()).toEqual({ ...base, version: 1, orderId });

    ticket.set({ orderId: undefined });
    await ticket.save();
    expect(ticket.toJSON()).toEqual({ ...base, version: 2 });
    expect(toTicket(ticket)).toEqual({ ...base, version: 2 });
    // Released means the field is gone, not null.
    expect(await Ticket.findById(ticket.id).lean()).not.toHaveProperty('orderId');
  });

  it('when the title, price or userId is missing, then validation fails', async () => {
    await expect(Ticket.build({ price: 5, userId: newId() } as TicketBuildAttrs).save()).rejects.toBeInstanceOf(
      mongoose.Error.ValidationError,
    );
    await expect(Ticket.build({ title: 'a', userId: newId() } as TicketBuildAttrs).save()).rejects.toBeInstanceOf(
      mongoose.Error.ValidationError,
    );
    await expect(Ticket.build({ title: 'a', price: 5 } as TicketBuildAttrs).save()).rejects.toBeInstanceOf(mongoose.Error.ValidationError);
    expect(await Ticket.countDocuments()).toBe(0);
  });
});
