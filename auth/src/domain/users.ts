import { BadRequestError, isDuplicateKeyError } from '@ticketing/common/http';
import { toUser, User as UserModel } from '../models/user';
import { needsRehash, verifyAgainstDummy } from './password';
import type { User } from './user';

export type { User };

/** Validated credentials: the email trimmed and lower-cased, the password as typed. */
export interface Credentials {
  email: string;
  password: string;
  /** Who asks (the client's IP): its turn in the password hashing queue. */
  clientKey?: string;
}

/** Creates the user. Throws BadRequestError('Email in use') when the email is taken, also by a racing signup. */
export async function signUp({ email, password, clientKey = '' }: Credentials): Promise<User> {
  if (await UserModel.exists({ email }).setOptions({ sanitizeFilter: true })) throw new BadRequestError('Email in use');

  const doc = UserModel.build({ email, password });
  doc.$locals.clientKey = clientKey;
  try {
    await doc.save();
  } catch (error) {
    // A concurrent signup with the same email won the race; the unique index turned this one away.
    if (isDuplicateKeyError(error)) throw new BadRequestError('Email in use');
    throw error;
  }
  return toUser(doc);
}

/**
 * The user these credentials belong to. Throws BadRequestError('Invalid credentials') otherwise. A
 * hash made with older parameters (or in the old format) is replaced by a current one on success.
 */
export async function signIn({ email, password, clientKey = '' }: Credentials): Promise<User> {
  const doc = await UserModel.findOne({ email }).setOptions({ sanitizeFilter: true });
  const passwordMatches = doc ? await doc.verifyPassword(password, clientKey) : await verifyAgainstDummy(password, clientKey);
  // One message for both cases, so signin does not reveal which emails have accounts.
  if (!doc || !passwordMatches) throw new BadRequestError('Invalid credentials');
  if (needsRehash(doc.password)) {
    doc.password = password;
    doc.$locals.clientKey = clientKey;
    await doc.save();
  }
  return toUser(doc);
}
