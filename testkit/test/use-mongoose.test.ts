import mongoose, { Mongoose, Schema } from 'mongoose';
import { mongoUriWithDatabase, uniqueDatabaseName } from '@ticketing/mongod-double';
import { useMongoose } from '../src/mongoose';

interface Account {
  email: string;
  name?: string;
}

const accountSchema = new Schema<Account>({ email: { type: String, required: true, unique: true }, name: String });
const Account = mongoose.model<Account>('UseMongooseAccount', accountSchema);

// A second, separate mongoose instance, as a service with its own instance would pass it.
const other = new Mongoose();
const OtherAccount = other.model<Account>('UseMongooseOther', accountSchema);

const randomEmail = (): string => `user-${Math.random().toString(36).slice(2)}@example.test`;

describe('useMongoose', () => {
  const db = useMongoose();
  const otherDb = useMongoose({ mongoose: other });

  it('when a document is created, then it can be read back by id', async () => {
    const email = randomEmail();
    const created = await Account.create({ email, name: 'Ada' });

    const found = await Account.findById(created.id).lean();

    expect(found).toMatchObject({ email, name: 'Ada' });
  });

  it('when a test starts, then documents of earlier tests are gone but unique indexes remain', async () => {
    expect(await Account.countDocuments()).toBe(0);
    const email = randomEmail();
    await Account.create({ email });

    await expect(Account.create({ email })).rejects.toMatchObject({ code: 11000 });
  });

  it('when asked for its uri, then it names a database of its own on a replica set', () => {
    expect(db.uri).toMatch(/^mongodb:\/\/[^/]+\/test_\w+\?replicaSet=/);
    expect(otherDb.uri).not.toBe(db.uri);
  });

  it('when another mongoose instance is passed, then that instance is connected with its indexes built', async () => {
    const email = randomEmail();
    await OtherAccount.create({ email });

    await expect(OtherAccount.create({ email })).rejects.toMatchObject({ code: 11000 });
    expect(await Account.countDocuments({ email })).toBe(0);
  });
});

describe('mongoUriWithDatabase', () => {
  it.each([
    ['mongodb://127.0.0.1:1234/?replicaSet=rs', 'mongodb://127.0.0.1:1234/db?replicaSet=rs'],
    ['mongodb://127.0.0.1:1234', 'mongodb://127.0.0.1:1234/db'],
    ['mongodb://127.0.0.1:1234?replicaSet=rs', 'mongodb://127.0.0.1:1234/db?replicaSet=rs'],
    ['mongodb://a:1,b:2/old?replicaSet=rs&w=1', 'mongodb://a:1,b:2/db?replicaSet=rs&w=1'],
  ])('when given %s, then it returns %s', (uri, expected) => {
    expect(mongoUriWithDatabase(uri, 'db')).toBe(expected);
  });

  it('when database names are generated, then they differ and are valid MongoDB names', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueDatabaseName()));

    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^[\w-]{1,63}$/);
  });
});
