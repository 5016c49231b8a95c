import { BadRequestError } from '@ticketing/common/http';
import { useMongoose } from '@ticketing/testkit';
import { User } from '../../models/user';
import { buildUser, STRONG_PASSWORD, uniqueEmail } from '../../test/helpers';
import { signIn, signUp } from '../users';

useMongoose();

describe('signUp and signIn', () => {
  it('when a new email signs up, then the plain user {id, email} is returned and stored', async () => {
    const email = uniqueEmail();

    const user = await signUp({ email, password: STRONG_PASSWORD });

    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), email });
    expect(await User.countDocuments({ _id: user.id, email })).toBe(1);
  });

  it('when the email is taken, then signUp throws "Email in use" and stores nothing', async () => {
    const existing = await buildUser();

    await expect(signUp({ email: existing.email, password: STRONG_PASSWORD })).rejects.toThrow(new BadRequestError('Email in use'));
    expect(await User.countDocuments({ email: existing.email })).toBe(1);
  });

  it('when the credentials match, then signIn returns the user', async () => {
    const existing = await buildUser({ password: 'right-one' });

    await expect(signIn({ email: existing.email, password: 'right-one' })).resolves.toEqual(existing);
  });

  it('when the password is wrong or the email unknown, then signIn throws the same "Invalid credentials"', async () => {
    const existing = await buildUser({ password: 'right-one' });

    await expect(signIn({ email: existing.email, password: 'wrong-one' })).rejects.toThrow(new BadRequestError('Invalid credentials'));
    await expect(signIn({ email: uniqueEmail(), password: 'right-one' })).rejects.toThrow(new BadRequestError('Invalid credentials'));
  });
});
