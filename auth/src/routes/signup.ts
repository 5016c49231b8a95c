import { validateRequest } from '@ticketing/common/http';
import { Request, Response, Router } from 'express';
import { signUp } from '../domain/users';
import { CredentialsBody, emailRule, newPasswordRule } from './rules';
import { clientKeyOf, SessionOptions, startSession, withRetryAfter } from './session-options';

export function signupRouter(options: SessionOptions): Router {
  const router = Router();

  router.post('/api/users/signup', [emailRule(), newPasswordRule()], validateRequest, async (req: Request, res: Response) => {
    const { email, password } = req.body as CredentialsBody;
    const user = await withRetryAfter(res, () => signUp({ email, password, clientKey: clientKeyOf(req) }));
    await startSession(req, user, options);
    res.status(201).send(user);
  });

  return router;
}
