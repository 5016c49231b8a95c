import { createSessionToken, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { signUp } from '../domain/users';
import { CredentialsBody, emailRule, newPasswordRule } from './rules';
import type { SessionOptions } from './session-options';

export function signupRouter({ jwtKey, jwtTtl }: SessionOptions): Router {
  const router = Router();

  router.post('/api/users/signup', [emailRule(), newPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;
    const user = await signUp({ email, password });
    req.session = { jwt: createSessionToken(user, jwtKey, jwtTtl) };
    res.status(201).send(user);
  });

  return router;
}
