import { BadRequestError, createSessionToken, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { User } from '../models/user';
import { verifyAgainstDummy } from '../services/password';
import { CredentialsBody, emailRule, suppliedPasswordRule } from './rules';
import type { SessionOptions } from './session-options';

export function signinRouter({ jwtKey, jwtTtl }: SessionOptions): Router {
  const router = Router();

  router.post('/api/users/signin', [emailRule(), suppliedPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;

    const user = await User.findOne({ email }).setOptions({ sanitizeFilter: true });
    const passwordMatches = user ? await user.verifyPassword(password) : await verifyAgainstDummy(password);
    // One message for both cases, so signin does not reveal which emails have accounts.
    if (!user || !passwordMatches) throw new BadRequestError('Invalid credentials');

    req.session = { jwt: createSessionToken({ id: user.id as string, email: user.email }, jwtKey, jwtTtl) };
    res.status(200).send(user);
  });

  return router;
}
