import mongoose, { Schema } from 'mongoose';
import { useMongoose } from '../../src/mongo';

interface Account {
  email: string;
  name?: string;
}

const Account = mongoose.model<Account>('UseMongooseAccount', new Schema<Account>({ email: { type: String, required: true, unique: true }, name: String }));

const randomEmail = (): string => `user-${Math.random().toString(36).slice(2)}@example.test`;

describe('useMongoose', () => {
  const db = useMongoose();

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

  it('when asked for its uri, then it names a database on a replica set', () => {
    expect(db.uri).toMatch(/^mongodb:\/\/[^/]+\/test_[\w]+\?replicaSet=/);
  });
});
