import { createSessionToken, validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { signIn } from '../domain/users';
import { CredentialsBody, emailRule, suppliedPasswordRule } from './rules';
import type { SessionOptions } from './session-options';

export function signinRouter({ jwtKey, jwtTtl }: SessionOptions): Router {
  const router = Router();

  router.post('/api/users/signin', [emailRule(), suppliedPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;
    const user = await signIn({ email, password });
    req.session = { jwt: createSessionToken(user, jwtKey, jwtTtl) };
    res.status(200).send(user);
  });

  return router;
}
