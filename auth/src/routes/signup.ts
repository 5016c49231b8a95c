import { BadRequestError, createSessionToken, isDuplicateKeyError, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { User } from '../models/user';
import { CredentialsBody, emailRule, newPasswordRule } from './rules';
import type { SessionOptions } from './session-options';

export function signupRouter({ jwtKey, jwtTtl }: SessionOptions): Router {
  const router = Router();

  router.post('/api/users/signup', [emailRule(), newPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;

    if (await User.exists({ email }).setOptions({ sanitizeFilter: true })) throw new BadRequestError('Email in use');

    const user = new User({ email, password });
    try {
      await user.save();
    } catch (error) {
      // A concurrent signup with the same email won the race; the unique index turned this one away.
      if (isDuplicateKeyError(error)) throw new BadRequestError('Email in use');
      throw error;
    }

    req.session = { jwt: createSessionToken({ id: user.id as string, email: user.email }, jwtKey, jwtTtl) };
    res.status(201).send(user);
  });

  return router;
}
