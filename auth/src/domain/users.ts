import { BadRequestError, isDuplicateKeyError } from '@ticketing/common/http';
import { toUser, User as UserModel } from '../models/user';
import { verifyAgainstDummy } from './password';

/** A user as the use cases return it (and as the HTTP responses show it): never the password. */
export interface User {
  id: string;
  email: string;
}

/** Validated credentials: the email trimmed and lower-cased. */
export interface Credentials {
  email: string;
  password: string;
}

/** Creates the user. Throws BadRequestError('Email in use') when the email is taken, also by a racing signup. */
export async function signUp({ email, password }: Credentials): Promise<User> {
  if (await UserModel.exists({ email }).setOptions({ sanitizeFilter: true })) throw new BadRequestError('Email in use');

  const doc = UserModel.build({ email, password });
  try {
    await doc.save();
  } catch (error) {
    // A concurrent signup with the same email won the race; the unique index turned this one away.
    if (isDuplicateKeyError(error)) throw new BadRequestError('Email in use');
    throw error;
  }
  return toUser(doc);
}

/** The user these credentials belong to. Throws BadRequestError('Invalid credentials') otherwise. */
export async function signIn({ email, password }: Credentials): Promise<User> {
  const doc = await UserModel.findOne({ email }).setOptions({ sanitizeFilter: true });
  const passwordMatches = doc ? await doc.verifyPassword(password) : await verifyAgainstDummy(password);
  // One message for both cases, so signin does not reveal which emails have accounts.
  if (!doc || !passwordMatches) throw new BadRequestError('Invalid credentials');
  return toUser(doc);
}
