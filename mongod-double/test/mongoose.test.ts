import mongoose, { Schema } from 'mongoose';
import { updateIfCurrentPlugin } from 'mongoose-update-if-current';
import { mongoUriWithDatabase, uniqueDatabaseName } from '../src/launch';
import { useServer } from './helpers';

interface Ticket {
  title: string;
  price: number;
  version: number;
  orderId?: string;
}

const ticketSchema = new Schema<Ticket>(
  { title: { type: String, required: true }, price: { type: Number, required: true }, orderId: String },
  { versionKey: 'version', timestamps: true },
);
ticketSchema.plugin(updateIfCurrentPlugin);
const Ticket = mongoose.model<Ticket>('DoubleTicket', ticketSchema);

interface Reservation {
  ticketId: string;
  status: 'active' | 'cancelled';
}
const reservationSchema = new Schema<Reservation>({ ticketId: { type: String, required: true }, status: { type: String, required: true } });
reservationSchema.index({ ticketId: 1 }, { unique: true, partialFilterExpression: { status: 'active' } });
const Reservation = mongoose.model<Reservation>('DoubleReservation', reservationSchema);

describe('MongoDB test double: through mongoose', () => {
  const server = useServer();
  beforeAll(async () => {
    await mongoose.connect(mongoUriWithDatabase(server.uri, uniqueDatabaseName('double_mongoose')));
    await Promise.all([Ticket.init(), Reservation.init()]);
  });
  beforeEach(async () => {
    await Promise.all([Ticket.deleteMany({}), Reservation.deleteMany({})]);
  });
  afterAll(async () => {
    await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  });

  it('when a ticket is saved repeatedly, then its version goes up by exactly one each time', async () => {
    const ticket = await Ticket.create({ title: 'concert', price: 10 });
    expect(ticket.version).toBe(0);

    ticket.set({ price: 15 });
    await ticket.save();
    ticket.set({ price: 20 });
    await ticket.save();

    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ price: 20, version: 2 });
  });

  it('when a stale copy is saved after a newer save, then mongoose-update-if-current raises VersionError', async () => {
    const ticket = await Ticket.create({ title: 'show', price: 5 });
    const first = await Ticket.findById(ticket.id);
    const second = await Ticket.findById(ticket.id);
    if (!first || !second) throw new Error('ticket not found');

    first.set({ price: 10 });
    second.set({ price: 15 });
    await first.save();

    await expect(second.save()).rejects.toBeInstanceOf(mongoose.Error.VersionError);
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ price: 10, version: 1 });
  });

  it('when a price with a fraction and a whole-number price are stored, then both read back as numbers', async () => {
    const a = await Ticket.create({ title: 'a', price: 12.5 });
    const b = await Ticket.create({ title: 'b', price: 20 });

    const found = await Ticket.find({ _id: { $in: [a.id, b.id] } })
      .sort({ price: 1 })
      .lean();

    expect(found.map((t) => t.price)).toEqual([12.5, 20]);
  });

  it('when a document and its related write share a transaction, then both or neither are stored', async () => {
    const ticket = await Ticket.create({ title: 'txn', price: 1 });

    await expect(
      mongoose.connection.transaction(async (session) => {
        await Ticket.updateOne({ _id: ticket.id }, { $set: { orderId: 'o1' } }, { session });
        await Reservation.create([{ ticketId: ticket.id, status: 'active' }], { session });
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await Ticket.findById(ticket.id).lean()).not.toHaveProperty('orderId');
    expect(await Reservation.countDocuments()).toBe(0);

    await mongoose.connection.transaction(async (session) => {
      await Ticket.updateOne({ _id: ticket.id }, { $set: { orderId: 'o2' } }, { session });
      await Reservation.create([{ ticketId: ticket.id, status: 'active' }], { session });
    });
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ orderId: 'o2' });
    expect(await Reservation.countDocuments({ ticketId: ticket.id })).toBe(1);
  });

  it('when a ticket already has an active reservation, then a second active one fails while cancelled ones are allowed', async () => {
    const ticketId = new mongoose.Types.ObjectId().toHexString();
    await Reservation.create({ ticketId, status: 'active' });

    await expect(Reservation.create({ ticketId, status: 'active' })).rejects.toMatchObject({ code: 11000 });
    await Reservation.create({ ticketId, status: 'cancelled' });
    await Reservation.create({ ticketId, status: 'cancelled' });
    expect(await Reservation.countDocuments({ ticketId })).toBe(3);
  });

  it('when findOneAndUpdate upserts with timestamps, then $setOnInsert sets createdAt only once', async () => {
    const first = await Ticket.findOneAndUpdate({ title: 'upserted' }, { $set: { price: 3 } }, { upsert: true, new: true });
    const second = await Ticket.findOneAndUpdate({ title: 'upserted' }, { $set: { price: 4 } }, { new: true });

    const raw = first?.toObject() as unknown as { createdAt: Date; updatedAt: Date };
    const later = second?.toObject() as unknown as { createdAt: Date; updatedAt: Date; price: number };
    expect(raw.createdAt).toBeInstanceOf(Date);
    expect(later.createdAt).toEqual(raw.createdAt);
    expect(later.price).toBe(4);
  });
});
