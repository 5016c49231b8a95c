import { useMongoose } from '@ticketing/testkit';
import { uniqueEmail } from '../../test/helpers';
import { toUser, User } from '../user';

useMongoose();

describe('User model', () => {
  it('when saved, then the password is hashed and verifies; a wrong one does not', async () => {
    const user = await User.build({ email: uniqueEmail(), password: 'secret-1' }).save();
    const reread = await User.findById(user.id);
    expect(reread?.password).not.toBe('secret-1');
    await expect(reread?.verifyPassword('secret-1')).resolves.toBe(true);
    await expect(reread?.verifyPassword('secret-2')).resolves.toBe(false);
  });

  it('when serialised, then only id and email appear', async () => {
    const email = uniqueEmail();
    const user = await User.build({ email, password: 'secret-1' }).save();
    expect(JSON.parse(JSON.stringify(user))).toEqual({ id: user._id.toHexString(), email });
    expect(toUser(user)).toEqual({ id: user._id.toHexString(), email });
  });

  it('when saved with capitals and spaces, then the email is stored normalised', async () => {
    const email = uniqueEmail();
    const user = await User.build({ email: `  ${email.toUpperCase()} `, password: 'secret-1' }).save();
    const reread = await User.findById(user.id).lean();
    expect(reread?.email).toBe(email);
  });

  it('when a second user has the same email in another case, then the unique index refuses it', async () => {
    await User.init();
    const email = uniqueEmail();
    await User.build({ email, password: 'secret-1' }).save();
    await expect(User.build({ email: email.toUpperCase(), password: 'secret-2' }).save()).rejects.toMatchObject({ code: 11000 });
    expect(await User.countDocuments({ email })).toBe(1);
  });

  it('when saved again without a password change, then the hash is not hashed twice', async () => {
    const user = await User.build({ email: uniqueEmail(), password: 'secret-1' }).save();
    const hash = user.password;
    user.email = uniqueEmail();
    await user.save();
    const reread = await User.findById(user.id);
    expect(reread?.password).toBe(hash);
    await expect(reread?.verifyPassword('secret-1')).resolves.toBe(true);
  });
});
